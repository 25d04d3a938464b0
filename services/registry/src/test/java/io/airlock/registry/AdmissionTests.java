package io.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.blob.BlobStore;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.signing.Dsse;
import io.airlock.signing.InToto;
import io.airlock.signing.Keys;
import io.airlock.testing.RealServicesResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Signed admission over REST: what a serving system fetches and checks before it loads a model. */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class AdmissionTests {
    @org.junit.jupiter.api.BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    private static final String OPERATOR = Auth.OPERATOR;

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @Inject
    BlobStore blobs;

    @Test
    void aPromotedModelHasASignedStatementOverItsDigestThatTheRegistryKeyVerifies() throws Exception {
        String submission = Pipeline.promoted(registry, blobs);
        String modelId = Db.string("select id from models where submission_id = ?", submission);
        String sha256 = Db.string("select sha256 from models where id = ?", modelId);
        JsonNode key = new ObjectMapper().readTree(given().get("/v1/admissions/key").then().statusCode(200)
                .body("ephemeral", equalTo(true)).extract().asString());
        Keys.Verifier verifier = Keys.verifier(key.path("publicKeyPem").asText());

        String body = given().get("/v1/admissions/" + modelId).then().statusCode(200).extract().asString();
        Dsse envelope = Dsse.fromJson(new ObjectMapper().readTree(body));
        assertThat(envelope.payloadType()).isEqualTo(Dsse.IN_TOTO);
        assertThat(envelope.verifiedBy(verifier)).isTrue();
        InToto statement = InToto.parse(envelope.payload());
        assertThat(statement.subjects()).hasSize(1);
        assertThat(statement.subjects().get(0).digest()).containsEntry("sha256", sha256);
        assertThat(statement.predicateType()).isEqualTo("https://airlock.dev/attestation/admission/v1");
        JsonNode p = statement.predicate();
        assertThat(p.path("verdict").asText()).isEqualTo("promoted");
        assertThat(p.path("policyVersion").asText()).isEqualTo(Pipeline.POLICY);
        assertThat(p.path("keyEphemeral").asBoolean()).isTrue();
        assertThat(p.path("stages").findValuesAsText("stage")).containsExactly("format_gate", "integrity", "model_load");

        // a statement changed in transit (another digest) no longer verifies
        String forged = new String(envelope.payload()).replace(sha256, "0".repeat(64));
        JsonNode tampered = ((com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(body))
                .put("payload", Base64.getEncoder().encodeToString(forged.getBytes()));
        assertThat(Dsse.fromJson(tampered).verifiedBy(verifier)).isFalse();
        // nor does it verify with another key
        assertThat(envelope.verifiedBy(Keys.verifier(Keys.generateEc("secp256r1")[1]))).isFalse();
    }

    @Test
    void aWithdrawnModelGetsNoAdmissionAndAnUnknownOneIsNotFound() {
        String submission = Pipeline.promoted(registry, blobs);
        String modelId = Db.string("select id from models where submission_id = ?", submission);
        given().get("/v1/admissions/" + modelId).then().statusCode(200);
        given().header("Authorization", OPERATOR).delete("/v1/models/" + modelId).then().statusCode(200);
        given().get("/v1/admissions/" + modelId).then().statusCode(409).contentType("application/problem+json");
        given().get("/v1/admissions/" + Requests.newId()).then().statusCode(404);
        given().get("/v1/admissions/not-an-id").then().statusCode(404);
    }
}
