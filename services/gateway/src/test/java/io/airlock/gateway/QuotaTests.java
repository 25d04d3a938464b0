package io.airlock.gateway;

import io.airlock.access.InFlight;
import io.airlock.identity.Roles;
import io.airlock.stack.Resp;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.airlock.testing.TestInfra;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * Per-user quotas against real Redis. The guard is unreachable here, so an admitted submission
 * ends in 503 (fail-closed) after it was counted: that is what "blocked ones count" means. Uploads
 * that cross the byte limit are stopped mid-stream over a real socket.
 */
@QuarkusTest
@TestProfile(QuotaTests.Profile.class)
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true)
class QuotaTests {
    @TestHTTPResource("/")
    URL base;
    @Inject
    InFlight inFlight;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("airlock.quota.roles.submitter.submissions-per-hour", "2",
                    "airlock.quota.roles.submitter.bytes-per-day", "4000",
                    "airlock.quota.roles.submitter.in-flight", "2");
        }
    }

    private static Path file(int bytes) throws Exception {
        Path f = Files.createTempFile("quota", ".gguf");
        byte[] b = new byte[bytes];
        b[0] = 'G';
        b[1] = 'G';
        b[2] = 'U';
        b[3] = 'F';
        Files.write(f, b);
        return f;
    }

    private static io.restassured.response.Response submit(String user, Path f) {
        return given().auth().oauth2(TestIdentity.token(user, Roles.SUBMITTER)).multiPart("file", f.toFile())
                .multiPart("kind", "model").post("/v1/submissions");
    }

    private static String user() {
        return "quota-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void submissionsPerHourCountBlockedOnesAndTheNextIs429WithRetryAfterAndTheLimit() throws Exception {
        String alice = user();
        Path small = file(10);
        submit(alice, small).then().statusCode(not(equalTo(429)));
        submit(alice, small).then().statusCode(not(equalTo(429)));
        submit(alice, small).then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("limit", equalTo("submissions-per-hour")).body("detail", containsString("2"));
        // another user is not affected
        submit(user(), small).then().statusCode(not(equalTo(429)));
        // an operator raises alice's own limit
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"submissionsPerHour\":10}").put("/v1/quotas/" + alice).then().statusCode(200);
        submit(alice, small).then().statusCode(not(equalTo(429)));
        // only operators set quotas
        given().auth().oauth2(TestIdentity.token(alice, Roles.SUBMITTER)).contentType("application/json")
                .body("{\"submissionsPerHour\":1000}").put("/v1/quotas/" + alice).then().statusCode(403);
    }

    @Test
    void theCountersAreSharedByEveryReplica() throws Exception {
        String bob = user();
        // what a second gateway replica leaves in Redis after counting two of bob's submissions this hour
        long hour = Instant.now().getEpochSecond() / 3600;
        redis("INCRBY", "airlock:quota:submissions:" + bob + ":" + hour, "2");
        submit(bob, file(10)).then().statusCode(429).body("limit", equalTo("submissions-per-hour"));
    }

    @Test
    void anUploadThatWouldCrossTheDailyByteLimitIsRefusedAndNotCounted() throws Exception {
        // bytes are the request body's: the file plus a few hundred bytes of form
        String carol = user();
        submit(carol, file(1500)).then().statusCode(not(equalTo(429)));
        submit(carol, file(2500)).then().statusCode(429).body("limit", equalTo("bytes-per-day"));
        // the refused upload was not counted: another 1500 still fit
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"submissionsPerHour\":10}").put("/v1/quotas/" + carol).then().statusCode(200);
        submit(carol, file(1500)).then().statusCode(not(equalTo(429)));
    }

    @Test
    void anUploadCrossingTheByteLimitIsStoppedMidStreamWith429AndLeavesNothingBehind() throws Exception {
        String dave = user();
        Path blobs = Path.of("target/test-blobs");
        List<Path> storedBefore = files(blobs.resolve("sha256"));
        // what another replica counted for dave today: 3,000 of the 4,000 bytes
        String key = "airlock:quota:bytes:" + dave + ":" + Instant.now().getEpochSecond() / 86400;
        redis("SET", key, "3000");
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            // 1 MB announced; 2,000 bytes sent, then the client waits: the meter must stop it without the rest
            out.write(("POST /v1/submissions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TestIdentity.token(dave, Roles.SUBMITTER) + "\r\nContent-Type: multipart/form-data; boundary=b"
                    + "\r\nContent-Length: 1000000\r\n\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nmodel\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.gguf\"\r\n\r\nGGUF")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[2000]);
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 429").containsIgnoringCase("Retry-After: ")
                    .contains("application/problem+json").contains("\"limit\":\"bytes-per-day\"");
        }
        // nothing of it is stored, nor counted: the partial spool file is deleted, no blob appears
        await(() -> files(blobs.resolve("uploads")).isEmpty() && files(blobs.resolve("staging")).isEmpty()
                && "3000".equals(redis("GET", key)));
        assertThat(files(blobs.resolve("sha256"))).isEqualTo(storedBefore);
        // the 1,000 bytes left still take a small upload
        submit(dave, file(100)).then().statusCode(not(equalTo(429)));
    }

    @Test
    void submissionsInFlightAreLimitedSharedAndFreedByTheirRelease() throws Exception {
        String erin = user();
        // two of erin's submissions in flight, taken by another replica
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        assertThat(inFlight.reserve(erin, a, 2, Duration.ofHours(1)).await().indefinitely()).isEqualTo(-1);
        assertThat(inFlight.reserve(erin, b, 2, Duration.ofHours(1)).await().indefinitely()).isEqualTo(-1);
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"submissionsPerHour\":10}").put("/v1/quotas/" + erin).then().statusCode(200);
        submit(erin, file(10)).then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("limit", equalTo("in-flight")).body("value", equalTo(2));
        // one reaches its final status: the registry releases its slot, and erin may submit again
        assertThat(inFlight.release(a).await().indefinitely()).isTrue();
        assertThat(inFlight.release(a).await().indefinitely()).as("a release is idempotent").isFalse();
        submit(erin, file(10)).then().statusCode(503); // admitted; the guard is down here (fail-closed)
        // answered 503, so nothing was recorded: the gateway gave that slot back itself
        assertThat((Long) redis("ZCARD", "airlock:quota:inflight:" + erin)).isEqualTo(1);
        // an operator's override for erin: none in flight at all
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"inFlight\":1}").put("/v1/quotas/" + erin).then().statusCode(200)
                .body("inFlight", equalTo(1));
        submit(erin, file(10)).then().statusCode(429).body("limit", equalTo("in-flight"));
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"inFlight\":-1}").put("/v1/quotas/" + erin).then().statusCode(400);
    }

    private static List<Path> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.call()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }
}
