package io.airlock.registry;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass;
import io.airlock.contracts.v1.GetSubmissionRequest;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.identity.Revocations;
import io.airlock.identity.Roles;
import io.airlock.stack.Resp;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.airlock.testing.TestInfra;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * Identity at the registry's REST API: every endpoint class tried with no token and each role
 * (401/403 problem+json or an answer), two submitters each blind to the other's submissions (404,
 * never 403), and the deny list read on every request.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class AccessTests {
    private static final Set<String> ALL = Set.of(Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR);
    private static final Set<String> READERS = Set.of(Roles.OPERATOR, Roles.AUDITOR);
    private static final Set<String> OPERATOR = Set.of(Roles.OPERATOR);

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @TestHTTPResource("/")
    URL base;
    @jakarta.inject.Inject
    io.airlock.blob.BlobStore blobs;

    @BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    record Endpoint(String method, String path, Set<String> roles) {
    }

    @Test
    void everyRoleOnEveryEndpointGetsItsAnswer() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL).toBuilder().setSubmitter("user-submitter").build());
        List<Endpoint> endpoints = List.of(
                new Endpoint("GET", "/v1/submissions", ALL),
                new Endpoint("GET", "/v1/submissions/" + id, ALL),
                new Endpoint("GET", "/v1/submissions/" + id + "/findings", ALL),
                new Endpoint("GET", "/v1/submissions/" + id + "/report", ALL),
                new Endpoint("GET", "/v1/models", ALL),
                new Endpoint("GET", "/v1/models/m1", ALL),
                new Endpoint("DELETE", "/v1/models/m1", OPERATOR),
                new Endpoint("GET", "/v1/evaluations", READERS),
                new Endpoint("POST", "/v1/evaluations", OPERATOR),
                new Endpoint("GET", "/v1/evaluations/e1", READERS),
                new Endpoint("POST", "/v1/evaluations/e1/run", OPERATOR),
                new Endpoint("DELETE", "/v1/evaluations/e1", OPERATOR),
                new Endpoint("GET", "/v1/evaluations/e1/runs/r1", READERS),
                new Endpoint("GET", "/v1/audit", READERS),
                new Endpoint("GET", "/v1/audit/verify", READERS),
                new Endpoint("GET", "/v1/admissions/key", ALL),
                new Endpoint("GET", "/v1/admissions/m1", ALL));
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints) {
            Response none = given().header("Authorization", Auth.NONE).contentType("application/json").body("{}")
                    .request(e.method(), e.path());
            if (none.statusCode() != 401 || !none.contentType().startsWith("application/problem+json")
                    || !String.valueOf(none.header("WWW-Authenticate")).startsWith("Bearer")) {
                wrong.add(e + " without a token: " + none.statusCode());
            }
            for (String role : ALL) {
                Response r = given().header("Authorization", Auth.bearer("user-" + role, role))
                        .contentType("application/json").body("{}").request(e.method(), e.path());
                boolean refused = r.statusCode() == 401 || r.statusCode() == 403;
                if (e.roles().contains(role) == refused
                        || (refused && !String.valueOf(r.header("WWW-Authenticate")).contains("insufficient_scope"))) {
                    wrong.add(e + " as " + role + ": " + r.statusCode() + " " + r.header("WWW-Authenticate"));
                }
            }
        }
        // the page's files hold no data (every datum comes from the API above, with the reader's token):
        // they are served to anyone, so that a person can open the page and sign in
        for (String file : List.of("/", "/index.html", "/ui/app.js", "/ui/api.js", "/ui/views/submission.js")) {
            int none = given().header("Authorization", Auth.NONE).get(file).statusCode();
            if (none != 200) {
                wrong.add("page file " + file + " without a token: " + none);
            }
        }
        assertThat(wrong).isEmpty();
        // the submitter got their own submission (200 above was not an empty answer)
        given().header("Authorization", Auth.bearer("user-submitter", Roles.SUBMITTER)).get("/v1/submissions/" + id)
                .then().statusCode(200).body("submitter", equalTo("user-submitter"));
    }

    @Test
    void twoSubmittersAreEachBlindToTheOthersSubmissions() {
        String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        String ofAlice = newId();
        String ofBob = newId();
        registry.createSubmission(Requests.hacked(ofAlice).toBuilder().setSubmitter(alice).build());
        registry.createSubmission(Requests.hacked(ofBob).toBuilder().setSubmitter(bob).build());
        String asAlice = Auth.bearer(alice, Roles.SUBMITTER);
        String asBob = Auth.bearer(bob, Roles.SUBMITTER);

        given().header("Authorization", asAlice).get("/v1/submissions?limit=200").then().statusCode(200)
                .body("items.id", hasItem(ofAlice)).body("items.id", not(hasItem(ofBob)))
                .body("items.submitter", not(hasItem(bob)));
        given().header("Authorization", asBob).get("/v1/submissions?limit=200").then().statusCode(200)
                .body("items.id", hasItem(ofBob)).body("items.id", not(hasItem(ofAlice)));
        for (String suffix : List.of("", "/findings", "/report")) {
            given().header("Authorization", asAlice).get("/v1/submissions/" + ofAlice + suffix).then().statusCode(200);
            // another user's id answers exactly like an id that does not exist
            String unknown = given().header("Authorization", asAlice).get("/v1/submissions/" + newId() + suffix)
                    .then().statusCode(404).extract().path("title");
            given().header("Authorization", asAlice).get("/v1/submissions/" + ofBob + suffix).then().statusCode(404)
                    .contentType("application/problem+json").body("title", equalTo(unknown));
            given().header("Authorization", asBob).get("/v1/submissions/" + ofAlice + suffix).then().statusCode(404);
        }
        // operators and auditors see both, with their owners
        for (String role : List.of(Roles.OPERATOR, Roles.AUDITOR)) {
            String token = Auth.bearer("staff", role);
            given().header("Authorization", token).get("/v1/submissions/" + ofBob).then().statusCode(200)
                    .body("submitter", equalTo(bob));
            given().header("Authorization", token).get("/v1/submissions?limit=200").then().statusCode(200)
                    .body("items.id", hasItem(ofAlice)).body("items.id", hasItem(ofBob));
        }
        // the audit log names the user a submission belongs to
        given().get("/v1/audit?subject=submission/" + ofAlice).then().statusCode(200)
                .body(containsString("\"submitter\":\"" + alice + "\""));
    }

    @Test
    void twoSubmittersAreEachBlindToTheOthersModelsAndAdmissions() {
        String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        String ofAlice = Db.string("select id from models where submission_id = ?", Pipeline.promoted(registry, blobs, alice));
        String ofBob = Db.string("select id from models where submission_id = ?", Pipeline.promoted(registry, blobs, bob));
        String asAlice = Auth.bearer(alice, Roles.SUBMITTER);

        given().header("Authorization", asAlice).get("/v1/models?limit=200").then().statusCode(200)
                .body("items.id", hasItem(ofAlice)).body("items.id", not(hasItem(ofBob)));
        for (String path : List.of("/v1/models/", "/v1/admissions/")) {
            given().header("Authorization", asAlice).get(path + ofAlice).then().statusCode(200);
            // another user's model answers exactly like a model that does not exist
            String unknown = given().header("Authorization", asAlice).get(path + "no-such-model")
                    .then().statusCode(404).extract().path("title");
            given().header("Authorization", asAlice).get(path + ofBob).then().statusCode(404)
                    .contentType("application/problem+json").body("title", equalTo(unknown));
            given().header("Authorization", Auth.bearer(bob, Roles.SUBMITTER)).get(path + ofAlice).then().statusCode(404);
            given().header("Authorization", Auth.bearer("staff", Roles.AUDITOR)).get(path + ofBob).then().statusCode(200);
        }
        given().header("Authorization", Auth.bearer("staff", Roles.AUDITOR)).get("/v1/models?limit=200").then()
                .statusCode(200).body("items.id", hasItem(ofAlice)).body("items.id", hasItem(ofBob));
        // evaluations are the operators' configuration: no submitter reads any (a role refusal, names no id)
        given().header("Authorization", asAlice).get("/v1/evaluations").then().statusCode(403);
    }

    @Test
    void theDenyListIsReadOnEveryRequest() throws Exception {
        String user = "revoked-" + UUID.randomUUID().toString().substring(0, 8);
        String token = TestIdentity.token(user, Roles.AUDITOR);
        String other = TestIdentity.token(user, Roles.AUDITOR);
        given().header("Authorization", "Bearer " + token).get("/v1/audit/verify").then().statusCode(200);
        redis("SET", Revocations.tokenKey(jti(token)), "1", "EX", "600");
        given().header("Authorization", "Bearer " + token).get("/v1/audit/verify").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .body("detail", containsString("revoked"));
        given().header("Authorization", "Bearer " + other).get("/v1/audit/verify").then().statusCode(200);
        redis("SET", Revocations.userKey(user), Long.toString(System.currentTimeMillis() / 1000), "EX", "600");
        given().header("Authorization", "Bearer " + other).get("/v1/audit/verify").then().statusCode(401);
    }

    @Test
    void theGrpcApiAnswersOnlyThePipelinesServices() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort()).usePlaintext().build();
        try {
            var bare = RegistryGrpc.newBlockingStub(channel);
            assertThatThrownBy(() -> bare.createSubmission(create(newId(), Kind.KIND_MODEL)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            for (String role : List.of(Roles.SUBMITTER, Roles.OPERATOR)) {
                assertThatThrownBy(() -> as(bare, TestIdentity.token("person", role)).getSubmission(
                        GetSubmissionRequest.newBuilder().setSubmissionId(newId()).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            }
            String id = newId();
            String service = java.nio.file.Files.readString(TestIdentity.serviceTokenFile());
            as(bare, service).createSubmission(create(id, Kind.KIND_MODEL));
            assertThat(as(bare, service).getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build())
                    .getSubmissionId()).isEqualTo(id);
            // health stays open for probes
            assertThat(HealthGrpc.newBlockingStub(channel).check(HealthOuterClass.HealthCheckRequest.getDefaultInstance())
                    .getStatus()).isEqualTo(HealthOuterClass.HealthCheckResponse.ServingStatus.SERVING);
        } finally {
            channel.shutdownNow();
        }
    }

    private static RegistryGrpc.RegistryBlockingStub as(RegistryGrpc.RegistryBlockingStub stub, String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String jti(String token) {
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        return claims.replaceAll(".*\"jti\":\"([^\"]+)\".*", "$1");
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }
}
