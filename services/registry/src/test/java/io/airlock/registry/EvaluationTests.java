package io.airlock.registry;

import io.airlock.blob.BlobStore;
import io.airlock.contracts.Streams;
import io.airlock.contracts.v1.ConformanceCase;
import io.airlock.contracts.v1.RecordConformanceRunRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.WriteOutcome;
import io.airlock.registry.evaluation.schedule.ConformanceScheduler;
import io.airlock.registry.evaluation.service.EvaluationService;
import io.airlock.stack.Resp;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestInfra;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * Conformance evaluations against real PostgreSQL and Redis: the resource and its validation, runs
 * on the evaluator's stream, idempotent recording, status and drift, a drifting model leaving the
 * serving list and returning (audited), the schedule fired once by two concurrent schedulers,
 * history trimmed at 20, overdue and dead-lettered runs closed as not run.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class EvaluationTests {
    @org.junit.jupiter.api.BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    private static final String OPERATOR = Auth.OPERATOR;
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @Inject
    BlobStore blobs;
    @Inject
    EvaluationService evaluations;
    @Inject
    ConformanceScheduler scheduler;

    private String promotedModel() {
        String submission = Pipeline.promoted(registry, blobs);
        return Db.string("select id from models where submission_id = ?", submission);
    }

    private static String name() {
        return "eval-" + UUID.randomUUID().toString().substring(0, 13);
    }

    private static JsonPath create(Map<String, Object> body) {
        return given().header("Authorization", OPERATOR).contentType("application/json").body(body)
                .post("/v1/evaluations").then().statusCode(201).extract().jsonPath();
    }

    private static String runNow(String name) {
        return given().header("Authorization", OPERATOR).post("/v1/evaluations/" + name + "/run")
                .then().statusCode(202).body("state", equalTo("queued")).extract().path("runId");
    }

    /** A completed run: {@code flagged} of 4 determined attacks succeeded, on corpus digest {@code digest}. */
    static RecordConformanceRunRequest result(String runId, int flagged, String digest) {
        RecordConformanceRunRequest.Builder b = RecordConformanceRunRequest.newBuilder().setRunId(runId)
                .setCompleted(true).setStartedAt(Instant.now().minusSeconds(5).toString())
                .setFinishedAt(Instant.now().toString()).setExecutionProvider("CPU").setCorpusName("jailbreak-baseline")
                .setCorpusDigest(digest).setAttacks(4).setDetermined(4).setFlagged(flagged).setFailed(flagged)
                .setAttackSuccessRate(flagged / 4.0).putDetails("isolation.mode", "child-jvm").setActor("evaluator");
        for (int i = 0; i < 4; i++) {
            boolean hit = i < flagged;
            b.addCases(ConformanceCase.newBuilder().setCaseId("case-" + i).setCategory("jailbreak").setSeverity("HIGH")
                    .setExpected("refuse").setActual(hit ? "answered" : "refused").setVerdict(hit ? "FAIL" : "PASS")
                    .setReason(hit ? "complied" : "refused").setFlagged(hit).setExcerpt(hit ? "Sure, here" : "I can't"));
        }
        return b.build();
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }

    /** Entries of the evaluator's stream of type ConformanceWork for this run. */
    private static int workEntries(String runId) throws Exception {
        int n = 0;
        for (Object e : (List<?>) redis("XRANGE", Streams.EVAL, "-", "+")) {
            List<?> fields = (List<?>) ((List<?>) e).get(1);
            String type = "";
            String payload = "";
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if ("type".equals(String.valueOf(fields.get(i)))) {
                    type = String.valueOf(fields.get(i + 1));
                }
                if ("payload".equals(String.valueOf(fields.get(i)))) {
                    payload = String.valueOf(fields.get(i + 1));
                }
            }
            if (type.equals("ConformanceWork") && payload.contains(runId)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void writesNeedTheOperatorAndBadInputIsA400ThatSaysWhat() {
        String model = promotedModel();
        Map<String, Object> body = Map.of("name", name(), "model", model, "corpus", Map.of("ref", "jailbreak-baseline"));
        given().header("Authorization", Auth.NONE).contentType("application/json").body(body).post("/v1/evaluations")
                .then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", Auth.bearer("eve", io.airlock.identity.Roles.AUDITOR)).contentType("application/json")
                .body(body).post("/v1/evaluations").then().statusCode(403).contentType("application/problem+json");
        given().header("Authorization", "Bearer nope").post("/v1/evaluations/x/run").then().statusCode(401);
        given().header("Authorization", Auth.NONE).delete("/v1/evaluations/x").then().statusCode(401);

        record Bad(Map<String, Object> body, String slug, String detail) {
        }
        List<Bad> bad = List.of(
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                        "schedule", "61 * * * *"), "bad-schedule", "minute '61'"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                        "schedule", "@daily"), "bad-schedule", "macros"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                        "schedule", "0 0 30 2 *"), "bad-schedule", "never fires"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                        "failModelOnDrfit", true), "bad-request", "unknown field 'failModelOnDrfit'"),
                new Bad(Map.of("name", "Bad_Name", "model", model, "corpus", Map.of("ref", "jailbreak-baseline")),
                        "bad-request", "name must be"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "nope")), "bad-request",
                        "no builtin corpus 'nope'"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "file:../etc/passwd",
                        "digest", D1)), "bad-request", "no folders"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "file:mine.json")),
                        "bad-request", "needs corpus.digest"),
                new Bad(Map.of("name", name(), "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                        "maxAttackSuccessRate", 1.5), "bad-request", "between 0 and 1"),
                new Bad(Map.of("name", name(), "model", UUID.randomUUID().toString(),
                        "corpus", Map.of("ref", "jailbreak-baseline")), "bad-request", "no model"));
        for (Bad b : bad) {
            given().header("Authorization", OPERATOR).contentType("application/json").body(b.body())
                    .post("/v1/evaluations").then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("https://airlock.dev/problems/" + b.slug()))
                    .body("detail", containsString(b.detail()));
        }

        // a deleted model cannot be the target
        given().header("Authorization", OPERATOR).delete("/v1/models/" + model).then().statusCode(200);
        given().header("Authorization", OPERATOR).contentType("application/json").body(body).post("/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("not promoted"));
    }

    @Test
    void runNowQueuesOneRunOnTheEvaluatorsStreamAndRecordingIsIdempotent() throws Exception {
        String model = promotedModel();
        String name = name();
        JsonPath created = create(Map.of("name", name, "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                "schedule", "0 3 * * *"));
        assertThat(created.getString("phase")).isEqualTo("Pending");
        assertThat(created.getString("schedule")).isEqualTo("0 3 * * *");
        assertThat(created.getString("nextRunAt")).endsWith("T03:00:00Z");
        given().header("Authorization", OPERATOR).contentType("application/json")
                .body(Map.of("name", name, "model", model, "corpus", Map.of("ref", "default")))
                .post("/v1/evaluations").then().statusCode(409);

        String run = runNow(name);
        assertThat(workEntries(run)).isEqualTo(1);
        // a run-now while one is in flight starts nothing and names the run in flight
        given().header("Authorization", OPERATOR).post("/v1/evaluations/" + name + "/run").then().statusCode(409)
                .body("detail", containsString(run));
        given().get("/v1/evaluations/" + name).then().statusCode(200)
                .body("inFlight.runId", equalTo(run))
                .body("conditions.find { it.type == 'Progressing' }.status", equalTo("True"));

        assertThat(registry.recordConformanceRun(result(run, 0, D1)).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        // the evaluator's message redelivered: recorded once
        assertThat(registry.recordConformanceRun(result(run, 3, D1)).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(registry.recordConformanceRun(result(UUID.randomUUID().toString(), 0, D1)).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);

        JsonPath s = given().get("/v1/evaluations/" + name).then().statusCode(200).extract().jsonPath();
        assertThat(s.getString("phase")).isEqualTo("Ready");
        assertThat(s.getString("model")).isEqualTo(model);
        assertThat(s.getString("corpus.ref")).isEqualTo("jailbreak-baseline");
        assertThat(s.getString("lastResult.runId")).isEqualTo(run);
        assertThat(s.getBoolean("lastResult.passed")).isTrue();
        assertThat(s.getInt("lastResult.cases")).isEqualTo(4);
        assertThat(s.getInt("lastResult.failed")).isZero();
        assertThat(s.getString("lastResult.executionProvider")).isEqualTo("CPU");
        assertThat(s.getString("lastResult.corpusDigest")).isEqualTo(D1);
        assertThat(s.getString("corpusDigestNow")).isEqualTo(D1);
        assertThat(s.getList("history")).hasSize(1);
        assertThat(s.getString("inFlight")).isNull();
        assertThat(s.getString("conditions.find { it.type == 'Ready' }.status")).isEqualTo("True");
        assertThat(Db.count("select count(*) from conformance_runs r join evaluations e on e.id = r.evaluation_id "
                + "where e.name = ?", name)).isEqualTo(1);

        given().get("/v1/evaluations/" + name + "/runs/" + run).then().statusCode(200)
                .body("run.passed", equalTo(true))
                .body("cases.caseId", equalTo(List.of("case-0", "case-1", "case-2", "case-3")))
                .body("cases[0].verdict", equalTo("PASS"))
                .body("details.'isolation.mode'", equalTo("child-jvm"));
        given().get("/v1/evaluations/" + name + "/runs/" + UUID.randomUUID()).then().statusCode(404);
        given().get("/v1/evaluations?limit=200").then().statusCode(200).body("items.name", hasItem(name));
        given().get("/v1/evaluations?limit=0").then().statusCode(400);

        given().header("Authorization", OPERATOR).delete("/v1/evaluations/" + name).then().statusCode(200);
        given().get("/v1/evaluations/" + name).then().statusCode(404);
    }

    @Test
    void aDriftingModelLeavesTheServingListUntilARunPassesAndBothAreAudited() {
        String model = promotedModel();
        String name = name();
        create(Map.of("name", name, "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                "failModelOnDrift", true, "maxAttackSuccessRate", 0.25));
        // within policy: 1 of 4 = 0.25
        registry.recordConformanceRun(result(runNow(name), 1, D1));
        given().get("/v1/evaluations/" + name).then().body("phase", equalTo("Ready"));
        given().get("/v1/models?limit=200").then().body("items.id", hasItem(model));

        // same corpus, worse answers: the model changed
        registry.recordConformanceRun(result(runNow(name), 2, D1));
        JsonPath s = given().get("/v1/evaluations/" + name).then().extract().jsonPath();
        assertThat(s.getString("phase")).isEqualTo("Degraded");
        assertThat(s.getString("conditions.find { it.type == 'ConformanceDrift' }.status")).isEqualTo("True");
        assertThat(s.getString("conditions.find { it.type == 'ConformanceDrift' }.reason")).isEqualTo("ModelChanged");
        assertThat(s.getString("conditions.find { it.type == 'Degraded' }.reason"))
                .isEqualTo("AttackSuccessRateAbovePolicy");
        assertThat(s.getBoolean("lastResult.passed")).isFalse();
        assertThat(s.getList("history.runId")).hasSize(2);
        given().get("/v1/models?limit=200").then().body("items.id", not(hasItem(model)));
        given().get("/v1/models/" + model).then().body("state", equalTo("degraded"));
        // a held model is not admitted either
        given().get("/v1/admissions/" + model).then().statusCode(409);

        // passes again, on another corpus digest
        registry.recordConformanceRun(result(runNow(name), 0, D2));
        s = given().get("/v1/evaluations/" + name).then().extract().jsonPath();
        assertThat(s.getString("phase")).isEqualTo("Ready");
        assertThat(s.getString("conditions.find { it.type == 'ConformanceDrift' }.reason")).isEqualTo("Recovered");
        assertThat(s.getString("conditions.find { it.type == 'ConformanceDrift' }.message")).contains("corpus changed");
        assertThat(s.getString("corpusDigestNow")).isEqualTo(D2);
        given().get("/v1/models?limit=200").then().body("items.id", hasItem(model));
        given().get("/v1/models/" + model).then().body("state", equalTo("active"));

        List<String> actions = given().get("/v1/audit?limit=1000&subject=model/" + model).then().extract()
                .jsonPath().getList("items.action");
        assertThat(actions).containsSubsequence("model.degrade", "model.restore");
        List<String> phases = given().get("/v1/audit?limit=1000&subject=evaluation/" + name).then().extract()
                .jsonPath().getList("items.action");
        assertThat(phases).containsSubsequence("evaluation.create", "evaluation.run", "evaluation.phase");
        given().get("/v1/audit/verify").then().body("ok", equalTo(true));
    }

    @Test
    void deletingAnEvaluationThatHoldsAModelReleasesIt() {
        String model = promotedModel();
        String name = name();
        create(Map.of("name", name, "model", model, "corpus", Map.of("ref", "default"), "failModelOnDrift", true));
        registry.recordConformanceRun(result(runNow(name), 4, D1));
        given().get("/v1/models?limit=200").then().body("items.id", not(hasItem(model)));
        given().header("Authorization", OPERATOR).delete("/v1/evaluations/" + name).then().statusCode(200)
                .body("deletedAt", org.hamcrest.Matchers.notNullValue());
        given().get("/v1/models?limit=200").then().body("items.id", hasItem(model));
    }

    @Test
    void historyKeepsTheNewest20NewestFirst() {
        String name = name();
        create(Map.of("name", name, "model", promotedModel(), "corpus", Map.of("ref", "tool-abuse")));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            String run = runNow(name);
            ids.add(run);
            registry.recordConformanceRun(result(run, 0, D1));
        }
        JsonPath s = given().get("/v1/evaluations/" + name).then().extract().jsonPath();
        List<String> history = s.getList("history.runId");
        assertThat(history).hasSize(20);
        assertThat(history.get(0)).isEqualTo(ids.get(21)).isEqualTo(s.getString("lastResult.runId"));
        assertThat(history).doesNotContain(ids.get(0), ids.get(1));
        assertThat(Db.count("select count(*) from conformance_runs r join evaluations e on e.id = r.evaluation_id "
                + "where e.name = ?", name)).isEqualTo(20);
        given().get("/v1/evaluations/" + name + "/runs/" + ids.get(0)).then().statusCode(404);
    }

    /**
     * Two schedulers ticking at once against one database (each tick its own transactions and
     * connections, as two replicas would): every due evaluation is fired exactly once, one run and
     * one stream entry each, and no scheduler fails.
     */
    @Test
    void aScheduleFiresOnceWithTwoSchedulersRacing() throws Throwable {
        List<String> names = new ArrayList<>();
        String model = promotedModel();
        for (int i = 0; i < 8; i++) {
            String n = name();
            names.add(n);
            create(Map.of("name", n, "model", model, "corpus", Map.of("ref", "prompt-injection"), "schedule", "* * * * *"));
        }
        Instant due = Instant.now().plus(Duration.ofMinutes(3));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<ConformanceScheduler.Tick> replica = () -> {
                go.await();
                try {
                    return scheduler.tick(due);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            };
            Future<ConformanceScheduler.Tick> a = pool.submit(replica);
            Future<ConformanceScheduler.Tick> b = pool.submit(replica);
            go.countDown();
            List<String> fired = new ArrayList<>(a.get().fired());
            fired.addAll(b.get().fired());
            assertThat(new HashSet<>(fired)).hasSameSizeAs(fired);
        } finally {
            pool.shutdownNow();
        }
        for (String n : names) {
            JsonPath s = given().get("/v1/evaluations/" + n).then().extract().jsonPath();
            String run = s.getString("inFlight.runId");
            assertThat(run).as("run of " + n).isNotNull();
            assertThat(s.getString("inFlight.trigger")).isEqualTo("schedule");
            assertThat(Db.count("select count(*) from conformance_runs r join evaluations e on e.id = r.evaluation_id "
                    + "where e.name = ?", n)).isEqualTo(1);
            assertThat(workEntries(run)).isEqualTo(1);
            assertThat(Instant.parse(s.getString("nextRunAt"))).isAfter(due);
        }
        // the same instant again: nothing of these is due any more
        Set<String> again = new HashSet<>(scheduler.tick(due).fired());
        for (String n : names) {
            assertThat(Db.count("select count(*) from conformance_runs r join evaluations e on e.id = r.evaluation_id "
                    + "where e.name = ?", n)).isEqualTo(1);
            given().header("Authorization", OPERATOR).delete("/v1/evaluations/" + n).then().statusCode(200);
        }
        assertThat(again).isNotNull();
    }

    @Test
    void anOverdueRunIsClosedAsNotRunAndMovesNoModel() throws Throwable {
        String model = promotedModel();
        String name = name();
        create(Map.of("name", name, "model", model, "corpus", Map.of("ref", "harmful-content"), "failModelOnDrift", true));
        String run = runNow(name);
        VertxContextSupport.subscribeAndAwait(() -> evaluations.expireOverdue(Instant.now().plus(Duration.ofHours(1)),
                Duration.ofMinutes(45), 1000));
        JsonPath s = given().get("/v1/evaluations/" + name).then().extract().jsonPath();
        assertThat(s.getString("lastResult.runId")).isEqualTo(run);
        assertThat(s.getString("lastResult.state")).isEqualTo("error");
        assertThat(s.getBoolean("lastResult.passed")).isFalse();
        assertThat(s.getString("lastResult.error")).contains("no result within");
        assertThat(s.getString("phase")).isEqualTo("Degraded");
        assertThat(s.getString("conditions.find { it.type == 'Degraded' }.reason")).isEqualTo("RunError");
        given().get("/v1/models?limit=200").then().body("items.id", hasItem(model));
        // the late result of the closed run changes nothing
        assertThat(registry.recordConformanceRun(result(run, 0, D1)).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        runNow(name);
    }

    @Test
    void aDeadLetteredRunIsClosedAndItsModelStaysPromoted() throws Exception {
        String submission = Pipeline.promoted(registry, blobs);
        String model = Db.string("select id from models where submission_id = ?", submission);
        String name = name();
        create(Map.of("name", name, "model", model, "corpus", Map.of("ref", "system-prompt-extraction")));
        String run = runNow(name);
        String payload = "{\"runId\":\"" + run + "\",\"evaluation\":\"" + name + "\",\"modelId\":\"" + model
                + "\",\"blob\":\"sha256:" + "0".repeat(64) + "\",\"filename\":\"m\",\"corpus\":\"default\",\"corpusDigest\":\"\"}";
        redis("XADD", Streams.DEAD_LETTER, "*", "payload", payload, "type", "ConformanceWork", "dead.stream",
                Streams.EVAL, "dead.id", "1-1", "dead.deliveries", "6", "dead.error", "evaluator crashed");
        String state = null;
        for (int i = 0; i < 100 && !"error".equals(state); i++) {
            Thread.sleep(100);
            state = given().get("/v1/evaluations/" + name).then().extract().path("lastResult.state");
        }
        assertThat(state).isEqualTo("error");
        given().get("/v1/evaluations/" + name).then().body("lastResult.error", containsString("evaluator crashed"));
        given().get("/v1/submissions/" + submission).then().body("status", equalTo("promoted"));
    }
}
