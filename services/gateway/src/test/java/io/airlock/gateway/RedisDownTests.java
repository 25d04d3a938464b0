package io.airlock.gateway;

import io.airlock.identity.Roles;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * A gateway whose Redis does not answer (a closed port): the quotas, the deny list and the queue all
 * live there, so every submission is refused with 503 and Retry-After, and nothing is stored; an
 * operator's quota change is 503 too. Fail-closed: never accepted unchecked or uncounted.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisDownTests.ClosedRedis.class, restrictToAnnotatedClass = true)
class RedisDownTests {
    /** The real services, except Redis: a port nothing listens on. */
    public static class ClosedRedis implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = new java.util.HashMap<>(new RealServicesResource().start());
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + port);
            config.put("airlock.blob.root", "target/redis-down-blobs");
            return config;
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void aSubmissionIs503WithRetryAfterAndNothingIsStored() throws Exception {
        Path f = Files.createTempFile("redis-down", ".gguf");
        Files.write(f, new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0});
        for (String role : List.of(Roles.SUBMITTER, Roles.OPERATOR)) {
            given().auth().oauth2(TestIdentity.token("redis-down", role)).multiPart("file", f.toFile())
                    .multiPart("kind", "model").post("/v1/submissions")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue()).body("status", equalTo(503));
        }
        Path blobs = Path.of("target/redis-down-blobs");
        assertThat(files(blobs.resolve("sha256"))).as("no blob stored").isEmpty();
        assertThat(files(blobs.resolve("staging"))).isEmpty();
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"inFlight\":3}").put("/v1/quotas/someone").then().statusCode(503)
                .header("Retry-After", notNullValue());
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
