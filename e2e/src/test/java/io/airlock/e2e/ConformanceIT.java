package io.airlock.e2e;

import io.airlock.cli.Main;
import io.airlock.evaluator.engine.corpus.CorpusReader;
import io.airlock.fixtures.onnx.ModelPackages;
import io.airlock.stack.Service;
import io.airlock.stack.Stack;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

/**
 * Conformance evaluations through the real stack: a model package promoted by the pipeline, an
 * evaluation created on it in the registry, run now through the evaluator's stream in the isolated
 * child, its result and history read back through the gateway and the CLI; an external corpus run
 * with its digest, and one whose digest does not match, which is reported as not run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceIT {
    private static final String OPERATOR = "Bearer " + E2eStack.OPERATOR_TOKEN;

    Stack stack;
    String gateway;
    String registry;
    Path work;
    Path corpora;

    @BeforeAll
    void start() throws Exception {
        Stack.Options o = E2eStack.options("conformance");
        corpora = Files.createDirectories(o.workDir().resolve("corpora"));
        stack = E2eStack.prepare(o.withExtra(Service.EVALUATOR, "airlock.evaluator.corpora-dir", corpora.toString()));
        stack.startAll();
        gateway = stack.url(Service.GATEWAY);
        registry = stack.url(Service.REGISTRY);
        work = Files.createDirectories(o.workDir().resolve("files"));
    }

    @AfterAll
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    /** Names are unique among live evaluations, and the e2e database outlives a run: each run its own names. */
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    static final String NIGHTLY = "nightly-" + RUN;
    static final String TEAM = "team-" + RUN;
    static final String TAMPERED = "tampered-" + RUN;

    @Test
    void anEvaluationOfAPromotedModelRunsNowAndShowsItsResultAndHistory() throws Exception {
        Path pkg = Files.write(work.resolve("refusing.zip"),
                ModelPackages.zip(ModelPackages.refusing(Files.createTempDirectory(work, "r"))));
        String submission = given().multiPart("file", pkg.toFile()).multiPart("kind", "model")
                .post(gateway + "/v1/submissions").then().statusCode(202).extract().path("id");
        List<Client.Event> events = Client.followEvents(gateway, submission, Duration.ofSeconds(120));
        assertThat(events.get(events.size() - 1).data().path("status").asText()).isEqualTo("promoted");
        String model = given().get(registry + "/v1/models?limit=200").then().statusCode(200).extract().jsonPath()
                .getString("items.find { it.submissionId == '" + submission + "' }.id");

        long t0 = System.nanoTime();
        given().header("Authorization", OPERATOR).contentType("application/json")
                .body(Map.of("name", NIGHTLY, "model", model, "corpus", Map.of("ref", "jailbreak-baseline"),
                        "schedule", "0 3 * * *", "runNow", true, "failModelOnDrift", true))
                .post(registry + "/v1/evaluations").then().statusCode(201);
        JsonPath s = await(NIGHTLY, ConformanceIT::recorded);
        System.out.printf("[e2e] conformance run-now to recorded result: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(s.getString("phase")).isEqualTo("Ready");
        assertThat(s.getBoolean("lastResult.passed")).isTrue();
        assertThat(s.getString("lastResult.state")).isEqualTo("completed");
        assertThat(s.getString("lastResult.executionProvider")).isEqualTo("CPU");
        assertThat(s.getInt("lastResult.cases")).isPositive();
        assertThat(s.getDouble("lastResult.attackSuccessRate")).isZero();
        assertThat(s.getString("lastResult.corpusDigest")).startsWith("sha256:");
        assertThat(s.getString("corpusDigestNow")).isEqualTo(s.getString("lastResult.corpusDigest"));
        assertThat(s.getList("history")).hasSize(1);
        assertThat(s.getString("conditions.find { it.type == 'Ready' }.status")).isEqualTo("True");
        String first = s.getString("lastResult.runId");
        JsonPath run = given().get(gateway + "/v1/evaluations/" + NIGHTLY + "/runs/" + first).then().statusCode(200)
                .extract().jsonPath();
        assertThat(run.getList("cases")).hasSize(s.getInt("lastResult.cases"));
        // no-pretend: the run says how the model was isolated
        assertThat(run.getString("details.'isolation.mode'")).isNotBlank();

        // the CLI through the gateway: run again, a second run-now while it is in flight is refused
        assertThat(cli("conformance", "run", NIGHTLY)).isZero();
        assertThat(cli("conformance", "run", NIGHTLY)).isEqualTo(2);
        s = await(NIGHTLY, e -> e.getList("history").size() == 2);
        assertThat(s.getString("history[0].runId")).isNotEqualTo(first);
        assertThat(s.getString("history[1].runId")).isEqualTo(first);
        StringWriter out = new StringWriter();
        assertThat(cli(out, "conformance", "diff", NIGHTLY)).isZero();
        assertThat(out.toString()).contains("corpus unchanged").contains("0 case(s) changed outcome");
        assertThat(cli(new StringWriter(), "conformance", "show", NIGHTLY)).isZero();
        given().get(gateway + "/v1/models?limit=200").then().body("items.id", hasItem(model));

        // an external corpus, run on exactly the bytes of its digest
        byte[] corpus;
        try (InputStream in = CorpusReader.class.getResourceAsStream("/io/airlock/evaluator/engine/corpus/tool-abuse.json")) {
            corpus = in.readAllBytes();
        }
        Path file = Files.write(corpora.resolve("team.json"), corpus);
        String digest = CorpusReader.read(file).digest();
        given().header("Authorization", OPERATOR).contentType("application/json")
                .body(Map.of("name", TEAM, "model", model, "corpus", Map.of("ref", "file:team.json", "digest", digest),
                        "runNow", true))
                .post(registry + "/v1/evaluations").then().statusCode(201);
        s = await(TEAM, ConformanceIT::recorded);
        assertThat(s.getString("lastResult.state")).isEqualTo("completed");
        assertThat(s.getString("lastResult.corpusDigest")).isEqualTo(digest);
        assertThat(s.getString("phase")).isEqualTo("Ready");

        // a digest the file does not have: not run, never a pass, and the model is not moved by it
        given().header("Authorization", OPERATOR).contentType("application/json")
                .body(Map.of("name", TAMPERED, "model", model, "corpus", Map.of("ref", "file:team.json",
                        "digest", "sha256:" + "0".repeat(64)), "runNow", true, "failModelOnDrift", true))
                .post(registry + "/v1/evaluations").then().statusCode(201);
        s = await(TAMPERED, ConformanceIT::recorded);
        assertThat(s.getString("lastResult.state")).isEqualTo("error");
        assertThat(s.getBoolean("lastResult.passed")).isFalse();
        assertThat(s.getString("lastResult.error")).contains("not run on other bytes");
        assertThat(s.getString("phase")).isEqualTo("Degraded");
        given().get(gateway + "/v1/evaluations?limit=200").then().statusCode(200)
                .body("items.name", hasItem(TAMPERED));
        given().get(gateway + "/v1/models?limit=200").then().body("items.id", hasItem(model));
    }

    /**
     * A run's result and the phase it led to. The registry reads an evaluation's row and its runs in two
     * statements, so one poll can see the new run beside the phase from before it: wait for both.
     */
    private static boolean recorded(JsonPath e) {
        return e.getString("lastResult.runId") != null && !"Pending".equals(e.getString("phase"));
    }

    private JsonPath await(String name, Predicate<JsonPath> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        JsonPath s;
        do {
            s = given().get(gateway + "/v1/evaluations/" + name).then().statusCode(200).extract().jsonPath();
            if (done.test(s)) {
                return s;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("evaluation " + name + " did not get there: " + s.prettify());
    }

    private int cli(String... args) {
        return cli(new StringWriter(), args);
    }

    private int cli(StringWriter out, String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--server";
        all[args.length + 1] = gateway;
        all[args.length + 2] = "--token";
        all[args.length + 3] = E2eStack.OPERATOR_TOKEN;
        StringWriter err = new StringWriter();
        int rc = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(all);
        System.out.printf("[e2e] airlock %s -> %d%n%s%s", String.join(" ", args), rc, out, err);
        return rc;
    }
}
