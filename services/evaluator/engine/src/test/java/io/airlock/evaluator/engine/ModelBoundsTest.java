package io.airlock.evaluator.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.run.RunReport;
import io.airlock.fixtures.onnx.ModelPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounds the engine itself keeps on what a model controls, each against a model built to break it:
 * prompts that all time out, outputs declared too large, a cache that grows behind its declared
 * shapes. (Session creation and crashes are bounded by the child's parent: {@link IsolatedRunnerTest}.)
 */
class ModelBoundsTest {
    @TempDir
    Path dir;

    EvalOptions options() {
        return EvalOptions.defaults().withTempDir(dir.resolve("unpack").toString());
    }

    @Test
    void aRunStopsAfterThreeConsecutiveTimeoutsWithAnErrorAndTheReason() throws IOException {
        // every step of this model takes seconds: each case hits the per-prompt limit
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 400);
        EvalOptions o = options().withLimits(Duration.ofMillis(300), Duration.ofMinutes(10), 8);
        long t0 = System.nanoTime();
        EvalReport r = new Evaluator().evaluate(slow, "", o);
        // three cases of 300 ms, not the whole-run limit of ten minutes
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).isEqualTo(StageStatus.ERROR);
        assertThat(b.findings().get(0).rule()).isEqualTo("eval.timeouts_in_a_row");
        assertThat(b.details().get("reason"))
                .startsWith("stopped after 3 consecutive cases hit the per-prompt limit of 300 ms");
        RunReport run = r.runs().get(0);
        assertThat(run.results()).extracting(c -> c.stop()).startsWith("timeout", "timeout", "timeout");
        assertThat(run.results().get(3).actual()).isEqualTo("not_started");
        assertThat(b.details().get("stops")).contains("timeout=3").contains("not_started=47");
    }

    @Test
    void theLimitCountsOnlyTimeoutsInARow() throws IOException {
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 400);
        EvalOptions o = options().withLimits(Duration.ofMillis(300), Duration.ofMinutes(10), 8)
                .withModelBounds(5, 1L << 30, 1L << 30);
        RunReport run = new Evaluator().evaluate(slow, "", o).runs().get(0);
        assertThat(run.environment().get("stoppedEarly")).startsWith("stopped after 5 consecutive cases");
        assertThat(run.results().get(5).actual()).isEqualTo("not_started");
    }

    @Test
    void aStepWhoseDeclaredOutputsExceedTheBoundNeverRuns() throws IOException {
        // logits of [1, prompt, 2^28] floats: gigabytes for one step over a short prompt
        Path huge = ModelPackages.hugeLogits(dir.resolve("huge"), 1L << 28);
        long t0 = System.nanoTime();
        EvalReport r = new Evaluator().evaluate(huge, "", options());
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).isEqualTo(StageStatus.ERROR);
        Finding f = b.findings().get(0);
        assertThat(f.rule()).isEqualTo("eval.output_bound");
        assertThat(f.message()).contains("by the declared shapes, over the bound of 1073741824");
        RunReport run = r.runs().get(0);
        // refused before the runtime ran anything: no step, and the run stopped at its first case
        assertThat(run.results().get(0).stop()).startsWith("output_bound");
        assertThat(run.results().get(1).actual()).isEqualTo("not_started");
        assertThat(r.stage("model_load").orElseThrow().details().get("outputs")).contains("268435456");
    }

    @Test
    void aCacheThatGrowsBehindItsDeclaredShapesIsStoppedAtTheStepThatGrewIt() throws IOException {
        Path inflating = ModelPackages.inflatingCache(dir.resolve("inflating"));
        EvalReport r = new Evaluator().evaluate(inflating, "", options());
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).isEqualTo(StageStatus.ERROR);
        assertThat(b.findings().get(0).rule()).isEqualTo("eval.output_bound");
        assertThat(b.findings().get(0).message()).contains("present.0.key has shape [1, 1, ")
                .contains("where the cache allows [1, 1, ");
        // without the cache the same model decodes normally: the check is on the cache alone
        EvalReport plain = new Evaluator().evaluate(inflating, "", options().withKvCache(false));
        assertThat(plain.stage("behavioral_test").orElseThrow().status()).isEqualTo(StageStatus.PASS);
    }
}
