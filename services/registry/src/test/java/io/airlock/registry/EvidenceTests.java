package io.airlock.registry;

import io.airlock.contracts.v1.Finding;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.Severity;
import io.airlock.identity.Roles;
import io.airlock.testing.RealServicesResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Evidence (the bytes or text a rule matched) tells an attacker exactly what to change: a submitter
 * reads their own findings without it, in every shape the registry serves them (the submission, its
 * findings, and the JSON, SARIF and CycloneDX reports), while operators and auditors see it.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class EvidenceTests {
    private static final List<String> SHAPES = List.of("", "/findings", "/report?format=json", "/report?format=sarif",
            "/report?format=cyclonedx");

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;

    @BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    @Test
    void aSubmitterReadsTheirFindingsWithoutEvidenceInEveryFormatAndStaffWithIt() {
        String owner = "owner-" + UUID.randomUUID().toString().substring(0, 8);
        String evidence = "matched-bytes-" + UUID.randomUUID();
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL).toBuilder().setSubmitter(owner).build());
        var stage = Requests.stage(id, 1, "static_scan", "FAIL");
        registry.recordStage(stage.toBuilder().setStage(stage.getStage().toBuilder().addFindings(Finding.newBuilder()
                .setRule("pickle.global_os_system").setSeverity(Severity.SEVERITY_CRITICAL).setLocation("data.pkl@12")
                .setMessage("calls os.system").setEvidence(evidence))).build());

        String asOwner = Auth.bearer(owner, Roles.SUBMITTER);
        for (String shape : SHAPES) {
            String body = given().header("Authorization", asOwner).get("/v1/submissions/" + id + shape)
                    .then().statusCode(200).extract().asString();
            // the finding is there, its evidence is not
            assertThat(body).as(shape).contains("pickle.global_os_system").contains("data.pkl@12")
                    .doesNotContain(evidence);
            for (String role : List.of(Roles.OPERATOR, Roles.AUDITOR)) {
                assertThat(given().header("Authorization", Auth.bearer("staff", role))
                        .get("/v1/submissions/" + id + shape).then().statusCode(200).extract().asString())
                        .as(shape + " as " + role).contains(evidence);
            }
        }
        // the reader is told that evidence was withheld, never left to think nothing matched
        given().header("Authorization", asOwner).get("/v1/submissions/" + id).then()
                .body("evidenceWithheld", org.hamcrest.Matchers.equalTo(true));
        given().header("Authorization", asOwner).get("/v1/submissions/" + id + "/report").then()
                .body("evidenceWithheld", org.hamcrest.Matchers.equalTo(true));
        given().get("/v1/submissions/" + id + "/report").then()
                .body("evidenceWithheld", org.hamcrest.Matchers.equalTo(false));
    }
}
