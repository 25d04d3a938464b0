package io.airlock.gateway;

import io.airlock.contracts.Streams;
import io.airlock.stack.Resp;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.airlock.testing.TestInfra;
import io.airlock.identity.Roles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Refusals under pressure, against real Redis: a full scan queue answers 429 and a full disk
 * answers 503, both with Retry-After, both before anything is recorded or half-written.
 */
@QuarkusTest
@TestProfile(PressureTests.Profile.class)
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true)
class PressureTests {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a reserve no disk has: every store is refused as "full"
            return Map.of("airlock.gateway.scan-queue-bound", "2",
                    "airlock.blob.min-free-bytes", Long.toString(Long.MAX_VALUE / 4));
        }
    }

    static final String TOKEN = TestIdentity.token("pressure", Roles.SUBMITTER);
    Path file;

    @BeforeEach
    void clean() throws Exception {
        redis("DEL", Streams.SCAN);
        file = Files.createTempFile("artifact", ".gguf");
        Files.write(file, new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0});
    }

    @AfterEach
    void after() throws Exception {
        redis("DEL", Streams.SCAN);
    }

    @Test
    void aFullScanQueueAnswers429WithRetryAfter() throws Exception {
        for (int i = 0; i < 3; i++) {
            redis("XADD", Streams.SCAN, "*", "payload", "{}");
        }
        given().auth().oauth2(TOKEN).multiPart("file", file.toFile()).multiPart("kind", "model")
                .post("/v1/submissions").then().statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", "5")
                .body("detail", containsString("3 unfinished"));
        assertThat(redisLong("XLEN", Streams.SCAN)).isEqualTo(3);
    }

    @Test
    void aFullDiskAnswers503AndLeavesNothingBehind() throws Exception {
        given().auth().oauth2(TOKEN).multiPart("file", file.toFile()).multiPart("kind", "model")
                .post("/v1/submissions").then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "5")
                .body("type", containsString("storage-full"))
                .body("status", equalTo(503));
        assertThat(redisLong("XLEN", Streams.SCAN)).isZero();
        try (Stream<Path> s = Files.list(Path.of("target/test-blobs/staging"))) {
            assertThat(s.toList()).isEmpty();
        }
        try (Stream<Path> s = Files.list(Path.of("target/test-blobs/uploads"))) {
            assertThat(s.toList()).as("the spooled upload is removed too").isEmpty();
        }
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }

    private static long redisLong(String... args) throws Exception {
        return (Long) redis(args);
    }
}
