package io.airlock.evaluator.engine;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.testing.ModelPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class IsolatedRunnerTest {
    @TempDir
    Path dir;

    static IsolatedRunner.Limits limits(Duration timeout) {
        return new IsolatedRunner.Limits(timeout, 256L << 20, 1, 120, 0, true);
    }

    @Test
    void aPackageEvaluatedInAChildJvmReportsWhatWasEnforced() throws IOException {
        Path zip = Files.write(dir.resolve("refusing.zip"), ModelPackages.zip(ModelPackages.refusing(dir.resolve("r"))));
        // RLIMIT_AS caps native memory too; the JVM, ONNX Runtime and the tokenizer need about 3 GiB of address space
        IsolatedRunner.Limits capped = new IsolatedRunner.Limits(Duration.ofSeconds(60), 256L << 20, 1, 120, 4L << 30, true);
        EvalReport r = IsolatedRunner.forCurrentJvm(capped).evaluate(zip, "zip", EvalOptions.defaults());
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).as("%s %s", b, r.isolation()).isEqualTo(StageStatus.PASS);
        assertThat(b.details()).containsEntry("cases", "50").containsEntry("executionProvider", "CPU");
        assertThat(r.runs()).hasSize(1);
        assertThat(r.isolation())
                .containsEntry("mode", "child-jvm")
                .containsEntry("exitCode", "0")
                .containsEntry("environment", "cleared (PATH, LANG, TMPDIR only)")
                .containsKeys("memory", "cpu", "timeout", "childInterfaces");
        assertThat(r.isolation().get("memory")).isEqualTo("heap -Xmx256m; native address space capped at 4294967296 bytes");
        assertThat(r.isolation().get("cpu")).isEqualTo("ActiveProcessorCount=1, intra-op threads 1, RLIMIT_CPU 120 s");
        // no-pretend: "none" only when the child itself saw nothing but loopback
        String net = r.isolation().get("network");
        if (net.startsWith("none")) {
            assertThat(r.isolation().get("childInterfaces")).isEqualTo("lo");
        } else {
            assertThat(net).startsWith("host network: ");
            assertThat(r.isolation().get("childInterfaces")).isNotEqualTo("lo");
        }
    }

    @Test
    void aChildOverItsTimeoutIsKilledAndReportedAsAnErrorNeverAPass() throws IOException {
        // each step of this model takes seconds; the per-prompt limit is far away, the child's is not
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 400);
        EvalOptions o = EvalOptions.defaults().withLimits(Duration.ofMinutes(5), Duration.ofMinutes(10), 8);
        long t0 = System.nanoTime();
        EvalReport r = IsolatedRunner.forCurrentJvm(limits(Duration.ofSeconds(4))).evaluate(slow, "", o);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isBetween(4000L, 15_000L);
        assertThat(r.stages()).noneMatch(s -> s.status() == StageStatus.PASS);
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).isEqualTo(StageStatus.ERROR);
        assertThat(b.details().get("reason")).isEqualTo("the evaluation child exceeded its timeout of 4000 ms and was killed");
        assertThat(b.findings().get(0).rule()).isEqualTo("eval.isolation_failed");
        assertThat(r.stage("model_load").orElseThrow().status()).isEqualTo(StageStatus.NOT_RUN);
        assertThat(r.isolation()).containsEntry("killed", "timeout");
        assertThat(r.executionProvider()).isEqualTo("none");
    }

    @Test
    void aChildThatDiesWithoutAReportIsAnError() throws IOException {
        Path pkg = ModelPackages.refusing(dir.resolve("p"));
        // a classpath without the engine: the child JVM starts and exits at once
        EvalReport r = new IsolatedRunner(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                dir.toString(), limits(Duration.ofSeconds(30))).evaluate(pkg, "", EvalOptions.defaults());
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).isEqualTo(StageStatus.ERROR);
        assertThat(b.details().get("reason")).startsWith("the evaluation child exited with code 1").endsWith("without a report");
        assertThat(b.findings().get(0).evidence()).contains("ChildMain");
    }
}
