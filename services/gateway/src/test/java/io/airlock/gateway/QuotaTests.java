package io.airlock.gateway;

import io.airlock.identity.Roles;
import io.airlock.stack.Resp;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.airlock.testing.TestInfra;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * Per-user quotas against real Redis. The guard is unreachable here, so an admitted submission
 * ends in 503 (fail-closed) after it was counted: that is what "blocked ones count" means.
 */
@QuarkusTest
@TestProfile(QuotaTests.Profile.class)
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true)
class QuotaTests {
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("airlock.quota.roles.submitter.submissions-per-hour", "2",
                    "airlock.quota.roles.submitter.bytes-per-day", "1000");
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
        String carol = user();
        submit(carol, file(600)).then().statusCode(not(equalTo(429)));
        submit(carol, file(600)).then().statusCode(429).body("limit", equalTo("bytes-per-day"));
        // the refused upload was not counted: 400 more bytes still fit
        given().auth().oauth2(TestIdentity.token("ops", Roles.OPERATOR)).contentType("application/json")
                .body("{\"submissionsPerHour\":10}").put("/v1/quotas/" + carol).then().statusCode(200);
        submit(carol, file(390)).then().statusCode(not(equalTo(429)));
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }
}
