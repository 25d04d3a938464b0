package io.airlock.registry;

import io.airlock.identity.Revocations;
import io.airlock.identity.Roles;
import io.airlock.stack.Resp;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.airlock.testing.TestInfra;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Refused tokens are audit lines naming the reason (expired, bad signature, revoked, wrong audience),
 * never the token; a flood writes at most the configured lines per interval (here 5 per 5 s, see
 * application.properties) and the next interval says how many were suppressed.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class RefusalAuditTests {
    private static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final int LINES = 5;

    @Test
    void refusedTokensAreAuditedByReasonNeverByTokenAndAFloodWritesABoundedNumberOfLines() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger audit = Logger.getLogger("airlock.audit");
        audit.addHandler(capture);
        try {
            String user = "refused-" + UUID.randomUUID().toString().substring(0, 8);
            String revoked = TestIdentity.token(user, Roles.AUDITOR);
            redis("SET", Revocations.tokenKey(jti(revoked)), "1", "EX", "600");
            String valid = TestIdentity.token(user, Roles.AUDITOR);
            Map<String, String> byReason = new LinkedHashMap<>();
            byReason.put("expired", TestIdentity.token(user, Roles.AUDITOR, Instant.now().minusSeconds(3600), Duration.ofMinutes(10)));
            // one token's header and claims with another token's signature: the key is known, the signature wrong
            String other = TestIdentity.token(user, Roles.AUDITOR);
            byReason.put("bad-signature", valid.substring(0, valid.lastIndexOf('.')) + other.substring(other.lastIndexOf('.')));
            byReason.put("wrong-audience", signed("{\"iss\":\"airlock-local\",\"aud\":\"someone-else\",\"sub\":\"" + user
                    + "\",\"groups\":[\"auditor\"],\"iat\":" + Instant.now().getEpochSecond() + ",\"exp\":"
                    + (Instant.now().getEpochSecond() + 600) + ",\"jti\":\"" + UUID.randomUUID() + "\"}"));
            byReason.put("revoked", revoked);

            Thread.sleep(INTERVAL.toMillis() + 200); // a fresh interval, whatever other tests refused before
            lines.clear();
            for (var e : byReason.entrySet()) {
                given().header("Authorization", "Bearer " + e.getValue()).get("/v1/audit/verify").then().statusCode(401);
            }
            assertThat(lines).hasSize(byReason.size());
            for (String reason : byReason.keySet()) {
                assertThat(lines).as(reason).anyMatch(l -> l.contains("AUDIT auth-refused reason=" + reason + " at=/v1/audit/verify"));
            }
            for (String token : byReason.values()) {
                for (String part : token.split("\\.")) {
                    // no part of a token (its claims, its signature) reaches the log
                    assertThat(lines).noneMatch(l -> part.length() > 8 && l.contains(part));
                }
            }

            // a flood in the same interval: one more line, then only counting
            for (int i = 0; i < 50; i++) {
                given().header("Authorization", "Bearer not-a-jwt-" + i).get("/v1/audit").then().statusCode(401);
            }
            assertThat(lines).hasSize(LINES);
            assertThat(lines.get(LINES - 1)).contains("reason=malformed");

            Thread.sleep(INTERVAL.toMillis() + 200);
            given().header("Authorization", "Bearer not-a-jwt").get("/v1/audit").then().statusCode(401);
            int suppressed = byReason.size() + 50 - LINES;
            assertThat(lines).hasSize(LINES + 2);
            assertThat(lines.get(LINES)).contains("AUDIT auth-refused suppressed=" + suppressed + " ");
            assertThat(lines.get(LINES + 1)).contains("reason=malformed");
        } finally {
            audit.removeHandler(capture);
        }
    }

    /** A token with these claims, signed by the key the registry trusts. */
    private static String signed(String claims) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = b64.encodeToString(("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + TestIdentity.key().kid() + "\"}")
                .getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(TestIdentity.key().privateKey());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64.encodeToString(s.sign());
    }

    private static String jti(String token) {
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        return claims.replaceAll(".*\"jti\":\"([^\"]+)\".*", "$1");
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }
}
