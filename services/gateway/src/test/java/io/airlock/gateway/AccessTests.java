package io.airlock.gateway;

import io.airlock.identity.Roles;
import io.airlock.identity.SigningKey;
import io.airlock.identity.Tokens;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Identity at the gateway: every endpoint tried with no token, a bad token and each role. Refusals
 * are 401/403 problem+json with RFC 6750 challenges; an allowed role passes the check (what it
 * then meets, here an unreachable registry or a missing form, is not an identity answer).
 */
@QuarkusTest
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true)
class AccessTests {
    @TestHTTPResource("/")
    URL base;
    private static final String ID = UUID.randomUUID().toString();
    private static final Set<String> ALL = Set.of(Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR);
    private static final Set<String> READERS = Set.of(Roles.OPERATOR, Roles.AUDITOR);
    private static final Set<String> OPERATOR = Set.of(Roles.OPERATOR);

    record Endpoint(String method, String path, Set<String> roles) {
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/v1/submissions", Set.of(Roles.SUBMITTER, Roles.OPERATOR)),
            new Endpoint("GET", "/v1/submissions", ALL),
            new Endpoint("GET", "/v1/submissions/" + ID, ALL),
            new Endpoint("GET", "/v1/submissions/" + ID + "/findings", ALL),
            new Endpoint("GET", "/v1/submissions/" + ID + "/report", ALL),
            new Endpoint("GET", "/v1/submissions/" + ID + "/events", ALL),
            new Endpoint("POST", "/v1/submissions/" + ID + "/rescan", OPERATOR),
            new Endpoint("GET", "/v1/models", ALL),
            new Endpoint("GET", "/v1/models/m1", ALL),
            new Endpoint("DELETE", "/v1/models/m1", OPERATOR),
            new Endpoint("GET", "/v1/evaluations", READERS),
            new Endpoint("GET", "/v1/evaluations/e1", READERS),
            new Endpoint("POST", "/v1/evaluations/e1/run", OPERATOR),
            new Endpoint("GET", "/v1/evaluations/e1/runs/r1", READERS),
            new Endpoint("GET", "/v1/audit", READERS),
            new Endpoint("GET", "/v1/audit/verify", READERS),
            new Endpoint("GET", "/v1/admissions/key", ALL),
            new Endpoint("GET", "/v1/admissions/m1", ALL),
            new Endpoint("POST", "/v1/revocations", OPERATOR));

    @Test
    void everyRoleOnEveryEndpointGetsItsAnswer() {
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : ENDPOINTS) {
            Response none = call(given(), e);
            if (none.statusCode() != 401 || !"Bearer realm=\"airlock\"".equals(none.header("WWW-Authenticate"))
                    || !none.contentType().startsWith("application/problem+json")) {
                wrong.add(e + " without a token: " + none.statusCode() + " " + none.header("WWW-Authenticate"));
            }
            for (String role : ALL) {
                Response r = call(given().auth().oauth2(TestIdentity.token("user-" + role, role)), e);
                if (e.roles().contains(role)) {
                    if (r.statusCode() == 401 || r.statusCode() == 403) {
                        wrong.add(e + " as " + role + ": refused " + r.statusCode());
                    }
                } else if (r.statusCode() != 403 || !r.contentType().startsWith("application/problem+json")
                        || !String.valueOf(r.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"")) {
                    wrong.add(e + " as " + role + ": " + r.statusCode() + " " + r.header("WWW-Authenticate"));
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void tokensThatDoNotVerifyAre401InvalidToken() {
        String user = "mallory";
        List<String> bad = List.of(
                "not-a-jwt",
                // signed by a key the gateway does not trust
                Tokens.issue(SigningKey.generate(), Tokens.LOCAL_ISSUER, user, Roles.OPERATOR, Duration.ofHours(1)),
                // another issuer
                Tokens.issue(TestIdentity.key(), "someone-else", user, Roles.OPERATOR, Duration.ofHours(1)),
                // expired well beyond the clock skew
                TestIdentity.token(user, Roles.OPERATOR, Instant.now().minusSeconds(3600), Duration.ofMinutes(10)),
                // issued with "alg": "none" and no signature
                unsigned(TestIdentity.token(user, Roles.OPERATOR)));
        // each refusal is an audit line that names its reason and holds no part of the token
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r instanceof org.jboss.logmanager.ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger audit = java.util.logging.Logger.getLogger("airlock.audit");
        audit.addHandler(capture);
        try {
            for (String token : bad) {
                given().auth().oauth2(token).get("/v1/audit").then().statusCode(401)
                        .contentType("application/problem+json")
                        .header("WWW-Authenticate", org.hamcrest.Matchers.containsString("error=\"invalid_token\""));
            }
        } finally {
            audit.removeHandler(capture);
        }
        assertThat(lines).hasSize(bad.size()).allMatch(l -> l.startsWith("AUDIT auth-refused reason="))
                .anyMatch(l -> l.contains("reason=expired")).anyMatch(l -> l.contains("reason=wrong-issuer"))
                .anyMatch(l -> l.contains("reason=malformed"));
        for (String token : bad) {
            for (String part : token.split("\\.")) {
                assertThat(lines).noneMatch(l -> part.length() > 8 && l.contains(part));
            }
        }
    }

    @Test
    void aRevokedTokenAndAllTokensOfARevokedUserAreRefusedOnTheNextRequest() throws Exception {
        String user = "revoked-" + UUID.randomUUID().toString().substring(0, 8);
        String operator = TestIdentity.token("ops", Roles.OPERATOR);
        String first = TestIdentity.token(user, Roles.OPERATOR);
        String second = TestIdentity.token(user, Roles.OPERATOR);
        // before: both pass the identity check (the registry behind is unreachable here: 503)
        given().auth().oauth2(first).get("/v1/audit").then().statusCode(503);

        given().auth().oauth2(operator).contentType("application/json").body("{\"jti\":\"" + jti(first) + "\"}")
                .post("/v1/revocations").then().statusCode(200);
        given().auth().oauth2(first).get("/v1/audit").then().statusCode(401)
                .header("WWW-Authenticate", org.hamcrest.Matchers.containsString("revoked"));
        given().auth().oauth2(second).get("/v1/audit").then().statusCode(503);

        given().auth().oauth2(operator).contentType("application/json").body("{\"user\":\"" + user + "\"}")
                .post("/v1/revocations").then().statusCode(200);
        given().auth().oauth2(second).get("/v1/audit").then().statusCode(401);
        // a token issued after the revocation is accepted again
        String later = TestIdentity.token(user, Roles.OPERATOR, Instant.now().plusSeconds(2), Duration.ofHours(1));
        given().auth().oauth2(later).get("/v1/audit").then().statusCode(503);
        // only operators revoke, and a revocation names exactly one thing
        given().auth().oauth2(TestIdentity.token(user + "x", Roles.AUDITOR)).contentType("application/json")
                .body("{\"user\":\"ops\"}").post("/v1/revocations").then().statusCode(403);
        given().auth().oauth2(operator).contentType("application/json").body("{}")
                .post("/v1/revocations").then().statusCode(400);
    }

    @Test
    void anUploadWithoutAValidTokenIsRefusedBeforeItsBodyIsRead() throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            // 100 MB announced, 1 KB sent: an answer now means the body was never waited for
            out.write(("POST /v1/submissions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer not-a-jwt\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000000\r\n\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.gguf\"\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1024]);
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 401");
        }
    }

    private static Response call(RequestSpecification spec, Endpoint e) {
        // a well-formed request of each kind, so that only identity decides the answer
        if (e.path().equals("/v1/submissions") && e.method().equals("POST")) {
            spec = spec.multiPart("kind", "model");
        } else if (e.method().equals("POST")) {
            spec = spec.contentType("application/json").body("{}");
        }
        return spec.request(e.method(), e.path());
    }

    private static String jti(String token) {
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        return claims.replaceAll(".*\"jti\":\"([^\"]+)\".*", "$1");
    }

    private static String unsigned(String token) {
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
        return header + "." + token.split("\\.")[1] + ".";
    }
}
