package io.airlock.e2e;

import io.airlock.fixtures.onnx.OnnxModels;
import io.airlock.stack.Service;
import io.airlock.stack.Stack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults with the stack's own embedded Redis (6.2, append-only file) and PostgreSQL, so the test
 * may stop and restart them: callers get 503s (never 500s) while a dependency is down, and every
 * submission that was answered 202 still reaches a final status, without operator action.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultsIT {
    static final Set<String> FINAL = Set.of("promoted", "admitted", "rejected", "hacked", "failed");
    Stack stack;
    Path model;

    @BeforeAll
    void start() throws Exception {
        Stack.Options base = E2eStack.options("faults");
        Map<String, String> env = new HashMap<>(base.env());
        env.put("AIRLOCK_INFRA", "embedded");
        Stack.Options o = new Stack.Options(base.repoRoot(), base.workDir(), base.basePort(), 0, "airlock_faults", true,
                env, Map.of());
        for (String ch : new String[]{"scan-requests", "eval-requests"}) {
            Service s = ch.startsWith("scan") ? Service.SCANNER : Service.EVALUATOR;
            o = o.withExtra(s, "mp.messaging.incoming." + ch + ".min-idle-time", "2s")
                    .withExtra(s, "mp.messaging.incoming." + ch + ".reclaim-interval", "500ms");
        }
        stack = Stack.prepare(o);
        stack.startAll();
        model = Files.write(o.workDir().resolve("m.onnx"), OnnxModels.identityModel());
    }

    @AfterAll
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void postgresAndRedisRestartsLoseNoAcceptedSubmission() throws Exception {
        List<String> accepted = new ArrayList<>();
        Map<Integer, Integer> answers = new HashMap<>();
        submit(3, accepted, answers);

        stack.infra().stopEmbeddedPostgres();
        submit(3, accepted, answers);
        Thread.sleep(2000);
        stack.infra().startEmbeddedPostgres();
        submit(2, accepted, answers);

        stack.infra().stopEmbeddedRedis();
        submit(3, accepted, answers);
        Thread.sleep(2000);
        stack.infra().startEmbeddedRedis();
        submit(3, accepted, answers);

        System.out.println("[e2e] answers during faults: " + answers + ", accepted " + accepted.size());
        assertThat(answers.keySet()).as("only 202 or 503, never a 500").isSubsetOf(202, 503);
        assertThat(answers.get(503)).as("the outages were visible to callers").isPositive();

        long deadline = System.nanoTime() + 120_000_000_000L;
        List<String> unfinished = new ArrayList<>(accepted);
        while (!unfinished.isEmpty() && System.nanoTime() < deadline) {
            unfinished.removeIf(id -> {
                var r = given().get(stack.url(Service.REGISTRY) + "/v1/submissions/" + id);
                return r.statusCode() == 200 && FINAL.contains(r.jsonPath().getString("status"));
            });
            Thread.sleep(500);
        }
        assertThat(unfinished).as("accepted submissions without a final status").isEmpty();
        // every accepted submission is in the registry exactly once, with its history in order
        for (String id : accepted) {
            List<String> history = given().get(stack.url(Service.REGISTRY) + "/v1/submissions/" + id).then()
                    .statusCode(200).extract().jsonPath().getList("history.status");
            assertThat(history).doesNotHaveDuplicates().startsWith("received");
        }
    }

    private void submit(int n, List<String> accepted, Map<Integer, Integer> answers) {
        for (int i = 0; i < n; i++) {
            var r = given().multiPart("file", model.toFile()).multiPart("kind", "model")
                    .post(stack.url(Service.GATEWAY) + "/v1/submissions");
            answers.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() == 202) {
                accepted.add(r.jsonPath().getString("id"));
            } else {
                assertThat(r.contentType()).contains("application/problem+json");
                assertThat(r.header("Retry-After")).isNotBlank();
            }
        }
    }
}
