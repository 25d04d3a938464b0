package io.airlock.registry;

import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.testing.RealServicesResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.airlock.registry.Requests.stage;
import static io.airlock.registry.Requests.transition;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

/** The REST read API, the problem answers, health, metrics and OpenAPI; records are written over real gRPC. */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class SubmissionResourceTests {
    @org.junit.jupiter.api.BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;

    @Test
    void oneSubmissionComesWithItsStagesFindingsAndHistory() {
        String id = newId();
        registry.createSubmission(Requests.hacked(id));
        given().get("/v1/submissions/" + id).then().statusCode(200)
                .contentType("application/json")
                .body("id", equalTo(id))
                .body("kind", equalTo("model"))
                .body("status", equalTo("hacked"))
                .body("terminal", equalTo(true))
                .body("precheck", equalTo("blocked"))
                .body("stages.find { it.stage == 'precheck' }.status", equalTo("FAIL"))
                .body("stages.find { it.stage == 'precheck' }.findings.rule", hasItem("guard.format_mismatch"))
                .body("stages.find { it.stage == 'precheck' }.findings[0].severity", equalTo("HIGH"))
                .body("stages.find { it.stage == 'precheck' }.findings[0].evidence", notNullValue())
                .body("history.status", equalTo(List.of("hacked")))
                .body("history[0].actor", equalTo("gateway"));

        String model = newId();
        registry.createSubmission(create(model, Kind.KIND_MODEL));
        registry.transition(transition(model, 1, "queued"));
        registry.transition(transition(model, 1, "scanning"));
        registry.recordStage(stage(model, 1, "format_gate", "PASS"));
        given().get("/v1/submissions/" + model).then().statusCode(200)
                .body("status", equalTo("scanning"))
                .body("terminal", equalTo(false))
                .body("stages.find { it.stage == 'format_gate' }.details.format", equalTo("onnx"))
                .body("stages.find { it.stage == 'format_gate' }.durationMs", equalTo(1.5f))
                .body("history.status", equalTo(List.of("received", "queued", "scanning")));
    }

    @Test
    void anUnknownSubmissionIsAProblem404() {
        for (String id : List.of(newId(), "no such id", "x".repeat(300))) {
            given().get("/v1/submissions/" + id).then().statusCode(404)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://airlock.dev/problems/not-found"))
                    .body("title", equalTo("Not found"))
                    .body("status", equalTo(404))
                    .body("detail", containsString("no submission"));
        }
        given().get("/v1/nothing-here").then().statusCode(404).contentType("application/problem+json");
    }

    @ParameterizedTest
    @CsvSource({
            "status=approved, unknown submission status",
            "kind=toaster, unknown kind",
            "since=yesterday, ISO-8601",
            "limit=201, limit must be between 1 and 200",
            "limit=0, limit must be between 1 and 200",
            "limit=ten, not an integer",
            "offset=-1, offset must be >= 0",
    })
    void aBadFilterIsAProblem400(String query, String detail) {
        given().get("/v1/submissions?" + query).then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("title", equalTo("Bad request"))
                .body("type", containsString("https://airlock.dev/problems/"))
                .body("detail", containsString(detail));
    }

    @Test
    void listsFilterAndPageNewestFirst() {
        Instant since = Instant.now().minusMillis(1);
        List<String> kernels = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = newId();
            registry.createSubmission(create(id, Kind.KIND_KERNEL));
            kernels.add(0, id); // newest first
        }
        String model = newId();
        registry.createSubmission(create(model, Kind.KIND_MODEL));
        registry.transition(transition(kernels.get(0), 1, "queued"));

        // everything since the start of this test, filtered by kind, in one page
        JsonPath all = given().get("/v1/submissions?kind=kernel&limit=200&since=" + since).then().statusCode(200)
                .extract().jsonPath();
        List<String> ids = all.getList("items.id");
        // other writers may share the database: assert on this test's rows, in order
        assertThat(ids.stream().filter(kernels::contains).toList()).isEqualTo(kernels);
        assertThat(ids).doesNotContain(model);
        assertThat(all.getList("items.kind", String.class)).containsOnly("kernel");
        assertThat(all.getLong("total")).isEqualTo(ids.size());

        // the same rows, two at a time
        List<String> paged = new ArrayList<>();
        for (int offset = 0; offset < ids.size(); offset += 2) {
            JsonPath page = given().get("/v1/submissions?kind=kernel&since=" + since + "&limit=2&offset=" + offset)
                    .then().statusCode(200).extract().jsonPath();
            assertThat(page.getInt("limit")).isEqualTo(2);
            assertThat(page.getInt("offset")).isEqualTo(offset);
            assertThat(page.getLong("total")).isEqualTo(ids.size());
            assertThat(page.getList("items")).hasSizeLessThanOrEqualTo(2);
            paged.addAll(page.getList("items.id"));
        }
        assertThat(paged).isEqualTo(ids);

        // status and kind together
        List<String> queued = given().get("/v1/submissions?status=queued&kind=kernel&since=" + since).then()
                .statusCode(200).extract().jsonPath().getList("items.id");
        assertThat(queued).contains(kernels.get(0)).doesNotContainAnyElementsOf(kernels.subList(1, 5));
        // a bound in the future matches nothing
        given().get("/v1/submissions?since=2999-01-01T00:00:00Z").then().statusCode(200)
                .body("total", equalTo(0)).body("items.size()", equalTo(0));
        // the default page size
        given().get("/v1/submissions").then().statusCode(200).body("limit", equalTo(50)).body("offset", equalTo(0));
    }

    @Test
    void readinessChecksThePostgresqlDatabase() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsString("PostgreSQL")));
    }

    @Test
    void metricsCountWritesByRpcAndOutcome() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern(
                "airlock_registry_writes_total\\{[^}]*outcome=\"DUPLICATE\"[^}]*rpc=\"CreateSubmission\"[^}]*} [1-9]");
        assertThat(metrics).contains("airlock_registry_rpc_seconds_count{").contains("rpc=\"CreateSubmission\"");
    }

    @Test
    void theApiIsDocumented() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", notNullValue())
                .body(containsString("/v1/submissions/{id}"))
                .body(containsString("application/problem+json"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
