package io.airlock.registry;

import io.airlock.blob.BlobStore;
import io.airlock.contracts.v1.Finding;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.Severity;
import io.airlock.contracts.v1.WriteOutcome;
import io.airlock.testing.RealServicesResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.cyclonedx.Version;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.airlock.registry.Requests.stage;
import static io.airlock.registry.Requests.transition;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * The operator surface over REST: models (listing, deletion), the audit log and its verification
 * against real tampering in PostgreSQL, findings and the downloadable reports.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class OperatorSurfaceTests {
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
    void modelsListOnlyActivePromotionsNewestFirstAndDeletionKeepsTheRecord() {
        Instant since = Instant.now().minusMillis(1);
        String older = Pipeline.promoted(registry, blobs);
        String newer = Pipeline.promoted(registry, blobs);
        String hacked = newId();
        registry.createSubmission(Requests.hacked(hacked));
        String rejected = newId();
        registry.createSubmission(create(rejected, Kind.KIND_MODEL));
        registry.transition(transition(rejected, 1, "queued"));
        registry.transition(transition(rejected, 1, "scanning"));
        registry.transition(transition(rejected, 1, "rejected"));

        JsonPath page = given().get("/v1/models?limit=200&since=" + since).then().statusCode(200).extract().jsonPath();
        List<String> submissions = page.getList("items.submissionId");
        assertThat(submissions.stream().filter(List.of(older, newer)::contains).toList()).containsExactly(newer, older);
        assertThat(submissions).doesNotContain(hacked, rejected);
        assertThat(page.getList("items.state", String.class)).containsOnly("active");
        String modelId = page.getString("items.find { it.submissionId == '" + newer + "' }.id");
        given().get("/v1/models/" + modelId).then().statusCode(200)
                .body("state", equalTo("active"))
                .body("policyVersion", equalTo(Pipeline.POLICY))
                .body("stages.stage", equalTo(List.of("format_gate", "integrity", "model_load")))
                .body("blob", startsWith("sha256:"));
        String sha = page.getString("items.find { it.submissionId == '" + newer + "' }.sha256");
        given().get("/v1/models?sha256=sha256:" + sha).then().statusCode(200).body("total", equalTo(1));

        // deletion is for operators only
        given().header("Authorization", Auth.NONE).delete("/v1/models/" + modelId).then().statusCode(401)
                .contentType("application/problem+json");
        given().header("Authorization", Auth.bearer("eve", io.airlock.identity.Roles.AUDITOR))
                .delete("/v1/models/" + modelId).then().statusCode(403);
        given().header("Authorization", "Bearer nope").delete("/v1/models/" + modelId).then().statusCode(401);
        given().header("Authorization", OPERATOR).queryParam("reason", "withdrawn after incident 42")
                .delete("/v1/models/" + modelId).then().statusCode(200)
                .body("state", equalTo("deleted"))
                .body("deletedBy", startsWith("operator:"))
                .body("deleteReason", equalTo("withdrawn after incident 42"));
        given().header("Authorization", OPERATOR).delete("/v1/models/" + modelId).then().statusCode(200)
                .body("deleteReason", equalTo("withdrawn after incident 42"));
        given().header("Authorization", OPERATOR).delete("/v1/models/" + newId()).then().statusCode(404);
        // gone from the listing, kept on record, one audit entry
        assertThat(given().get("/v1/models?limit=200&since=" + since).then().statusCode(200).extract().jsonPath()
                .getList("items.submissionId")).contains(older).doesNotContain(newer);
        given().get("/v1/models/" + modelId).then().statusCode(200).body("state", equalTo("deleted"));
        given().get("/v1/audit?subject=model/" + modelId).then().statusCode(200)
                .body("items.action", equalTo(List.of("model.delete")))
                .body("items[0].details.reason", equalTo("withdrawn after incident 42"));

        // a re-scan of a promoted model withdraws it from the listing until it is promoted again
        assertThat(registry.startAttempt(Requests.rescan(older, 1)).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(given().get("/v1/models?limit=200&since=" + since).then().statusCode(200).extract().jsonPath()
                .getList("items.submissionId")).doesNotContain(older);
        String olderModel = Db.string("select id from models where submission_id = ?", older);
        given().get("/v1/models/" + olderModel).then().statusCode(200).body("state", equalTo("superseded"));
    }

    @Test
    void theAuditChainVerifiesAndAnEditedOrRemovedEntryIsFound() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        registry.transition(transition(id, 1, "rejected"));
        List<Integer> seqs = given().get("/v1/audit?subject=submission/" + id).then().statusCode(200).extract()
                .jsonPath().getList("items.seq", Integer.class);
        assertThat(seqs).hasSize(4).isSorted();
        long first = seqs.get(0);
        long last = seqs.get(3);
        long middle = seqs.get(2);
        String range = "/v1/audit/verify?from=" + first + "&to=" + last;
        given().get(range).then().statusCode(200).body("ok", equalTo(true));

        // the table refuses edits from anyone without direct superuser access
        assertThatThrownBy(() -> Db.update("update audit_log set actor = 'me' where seq = ?", middle))
                .hasStackTraceContaining("audit_log is append-only: UPDATE refused");

        String details = Db.string("select details::text from audit_log where seq = ?", middle);
        try {
            Db.tamper("update audit_log set details = jsonb_set(details, '{to}', '\"promoted\"') where seq = ?", middle);
            given().get(range).then().statusCode(200)
                    .body("ok", equalTo(false))
                    .body("brokenSeq", equalTo((int) middle))
                    .body("reason", containsString("edited"));
        } finally {
            Db.tamper("update audit_log set details = cast(? as jsonb) where seq = ?", details, middle);
        }
        given().get(range).then().statusCode(200).body("ok", equalTo(true));

        String[] row = new String[9];
        for (int i = 0; i < row.length; i++) {
            row[i] = Db.string("select (array[seq::text, at::text, actor, action, subject, details::text, hash_alg, "
                    + "prev_hash, entry_hash])[" + (i + 1) + "] from audit_log where seq = ?", middle);
        }
        try {
            Db.tamper("delete from audit_log where seq = ?", middle);
            given().get(range).then().statusCode(200)
                    .body("ok", equalTo(false))
                    .body("brokenSeq", equalTo((int) middle))
                    .body("reason", containsString("missing"));
        } finally {
            Db.tamper("insert into audit_log (seq, at, actor, action, subject, details, hash_alg, prev_hash, entry_hash) "
                            + "values (cast(? as bigint), cast(? as timestamptz), ?, ?, ?, cast(? as jsonb), ?, ?, ?)",
                    (Object[]) row);
        }
        given().get(range).then().statusCode(200).body("ok", equalTo(true)).body("checked", equalTo((int) (last - first + 1)));

        // the whole chain is walked and compared with its head
        given().get("/v1/audit/verify").then().statusCode(200)
                .body("from", equalTo(1))
                .body("alg", equalTo("sha256"))
                .body("keyed", equalTo(false));
        given().get("/v1/audit/verify?from=0").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void findingsAndReportsComeAsJsonSarifAndCycloneDx() throws Exception {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        RecordStageRequest scan = stage(id, 1, "static_scan", "FAIL");
        scan = scan.toBuilder().setStage(scan.getStage().toBuilder()
                .addFindings(finding("pickle.global.os_system", Severity.SEVERITY_CRITICAL, "data.pkl offset 57",
                        "os.system reachable from the pickle"))
                .addFindings(finding("format.trailing_bytes", Severity.SEVERITY_MEDIUM, "", "12 bytes after the end"))
                .addFindings(finding("pickle.global.os_system", Severity.SEVERITY_HIGH, "data.pkl offset 90",
                        "second call"))).build();
        registry.recordStage(scan);
        RecordStageRequest notRun = stage(id, 1, "signature", "NOT_RUN");
        registry.recordStage(notRun.toBuilder().setStage(notRun.getStage().toBuilder()
                .putDetails("reason", "no signature supplied")).build());
        registry.transition(transition(id, 1, "rejected"));
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = 'stage.reject' "
                + "and details->>'worstSeverity' = 'CRITICAL'", "submission/" + id)).isEqualTo(1);

        given().get("/v1/submissions/" + id + "/findings").then().statusCode(200)
                .body("attempt", equalTo(1))
                .body("total", equalTo(3))
                .body("items.severity", equalTo(List.of("CRITICAL", "HIGH", "MEDIUM")))
                .body("items[0].evidence", equalTo("ev"));
        given().get("/v1/submissions/" + id + "/findings?severity=high&limit=1&offset=1").then().statusCode(200)
                .body("total", equalTo(2)).body("items.rule", equalTo(List.of("pickle.global.os_system")))
                .body("items[0].severity", equalTo("HIGH"));
        given().get("/v1/submissions/" + id + "/findings?severity=bad").then().statusCode(400);

        JsonPath sarif = given().get("/v1/submissions/" + id + "/report?format=sarif").then().statusCode(200)
                .contentType("application/sarif+json")
                .header("Content-Disposition", containsString(".sarif.json"))
                .extract().jsonPath();
        assertThat(sarif.getString("version")).isEqualTo("2.1.0");
        assertThat(sarif.getMap("$").get("$schema")).asString().contains("sarif-2.1.0");
        assertThat(sarif.getString("runs[0].tool.driver.name")).isEqualTo("airlock");
        assertThat(sarif.getList("runs[0].tool.driver.rules.id"))
                .containsExactly("pickle.global.os_system", "format.trailing_bytes");
        assertThat(sarif.getList("runs[0].results.ruleId"))
                .containsExactly("pickle.global.os_system", "pickle.global.os_system", "format.trailing_bytes");
        assertThat(sarif.getList("runs[0].results.level")).containsExactly("error", "error", "warning");
        assertThat(sarif.getList("runs[0].results.ruleIndex")).containsExactly(0, 0, 1);
        assertThat(sarif.getString("runs[0].results[0].message.text")).isEqualTo("os.system reachable from the pickle");
        assertThat(sarif.getString("runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri"))
                .isEqualTo("model.onnx");
        assertThat(sarif.getString("runs[0].results[0].locations[0].logicalLocations[0].fullyQualifiedName"))
                .isEqualTo("data.pkl offset 57");
        String sha = Db.string("select sha256 from submissions where id = ?", id);
        assertThat(sarif.getString("runs[0].artifacts[0].hashes.'sha-256'")).isEqualTo(sha);
        // what did not run is said, not folded into a clean result
        assertThat(sarif.getString("runs[0].invocations[0].toolExecutionNotifications[0].message.text"))
                .contains("signature NOT_RUN: no signature supplied");
        // Accept chooses the format too
        given().accept("application/sarif+json").get("/v1/submissions/" + id + "/report").then().statusCode(200)
                .contentType("application/sarif+json").body("version", equalTo("2.1.0"));

        String bomText = given().get("/v1/submissions/" + id + "/report?format=cyclonedx").then().statusCode(200)
                .contentType("application/vnd.cyclonedx+json").extract().asString();
        // valid against the official CycloneDX 1.5 JSON schema (shipped in cyclonedx-core-java)
        assertThat(new JsonParser().validate(bomText, Version.VERSION_15)).isEmpty();
        JsonPath bom = JsonPath.from(bomText);
        assertThat(bom.getString("bomFormat")).isEqualTo("CycloneDX");
        assertThat(bom.getString("specVersion")).isEqualTo("1.5");
        assertThat(bom.getString("serialNumber")).matches("urn:uuid:[0-9a-f-]{36}");
        assertThat(bom.getString("components[0].type")).isEqualTo("machine-learning-model");
        assertThat(bom.getString("components[0].hashes[0].alg")).isEqualTo("SHA-256");
        assertThat(bom.getString("components[0].hashes[0].content")).isEqualTo(sha);
        assertThat(bom.getList("vulnerabilities.id"))
                .containsExactly("pickle.global.os_system", "pickle.global.os_system", "format.trailing_bytes");
        assertThat(bom.getList("vulnerabilities.collect { it.ratings[0].severity }", String.class))
                .containsExactly("critical", "high", "medium");
        assertThat(bom.getList("vulnerabilities.collect { it.affects[0].ref }", String.class))
                .containsOnly(bom.getString("components[0].'bom-ref'"));

        given().get("/v1/submissions/" + id + "/report").then().statusCode(200)
                .contentType("application/json")
                .body("schemaVersion", equalTo("airlock.report/v1"))
                .body("outcome.status", equalTo("rejected"))
                .body("summary.bySeverity.CRITICAL", equalTo(1))
                .body("summary.notRun[0].reason", equalTo("no signature supplied"))
                .body("findings.rule[0]", equalTo("pickle.global.os_system"))
                .body("history.status", equalTo(List.of("received", "queued", "scanning", "rejected")))
                .body("audit.action", equalTo(List.of("submission.create", "submission.transition",
                        "submission.transition", "stage.reject", "submission.transition")));
        given().get("/v1/submissions/" + id + "/report?format=pdf").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("json, sarif, cyclonedx"));
        given().get("/v1/submissions/" + id + "/report?attempt=2").then().statusCode(400);
        given().get("/v1/submissions/" + newId() + "/report").then().statusCode(404);
    }

    @Test
    void operatorEndpointsAreDocumented() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body(containsString("/v1/models/{id}"))
                .body(containsString("/v1/audit/verify"))
                .body(containsString("/v1/submissions/{id}/report"))
                .body(containsString("/v1/submissions/{id}/findings"))
                .body(containsString("application/sarif+json"));
    }

    private static Finding finding(String rule, Severity severity, String location, String message) {
        return Finding.newBuilder().setRule(rule).setSeverity(severity).setLocation(location).setMessage(message)
                .setEvidence("ev").build();
    }
}
