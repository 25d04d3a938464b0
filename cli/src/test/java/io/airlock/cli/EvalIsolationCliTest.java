package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.fixtures.onnx.ModelPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.airlock.cli.CliTest.airlock;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code airlock eval} runs the model in the evaluator's isolated child, under its limits, and a
 * model that crashes the runtime or breaks a limit ends in a report and exit 1, never in a missing one.
 */
class EvalIsolationCliTest {
    @TempDir
    Path dir;

    @Test
    void evalRunsTheModelInAnIsolatedChildAndSaysSo() throws IOException {
        Path zip = Files.write(dir.resolve("refusing.zip"), ModelPackages.zip(ModelPackages.refusing(dir.resolve("r"))));
        CliTest.Run text = airlock("eval", zip.toString());
        assertThat(text.code()).as(text.out() + text.err()).isZero();
        assertThat(text.out()).contains("isolation: child-jvm; network ").contains("; memory heap -Xmx1024m; resident capped at "
                + (4096L << 20) + " bytes").contains("; loadTimeout 30000 ms");
        JsonNode j = airlock("eval", zip.toString(), "--format", "json").json();
        assertThat(j.path("isolation").path("mode").asText()).isEqualTo("child-jvm");
        assertThat(j.path("isolation").path("exitCode").asText()).isEqualTo("0");
    }

    @Test
    void inProcessIsNamedUnsafeInTheHelpAndSaysSoWhenUsed() throws IOException {
        CliTest.Run help = airlock("eval", "--help");
        assertThat(help.out()).contains("--in-process").contains("UNSAFE");
        CliTest.Run r = airlock("eval", ModelPackages.refusing(dir.resolve("r")).toString(), "--in-process", "--format", "json");
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("unisolated");
        assertThat(r.json().path("isolation").path("mode").asText()).isEqualTo("in-process");
    }

    @Test
    void aRuntimeCrashIsAReportWithTheSignalAndTheStepReachedAndExit1() throws IOException {
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 400);
        // the signal a native fault in ONNX Runtime raises, sent to the child once it is running the model
        CompletableFuture<Void> crash = CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                List<ProcessHandle> children = ProcessHandle.current().descendants()
                        .filter(h -> h.info().arguments().map(a -> List.of(a).contains("io.airlock.evaluator.engine.ChildMain"))
                                .orElse(false)).toList();
                if (!children.isEmpty()) {
                    sleep(6000);
                    children.forEach(h -> kill(h.pid()));
                    return;
                }
                sleep(50);
            }
        });
        CliTest.Run r = airlock("eval", slow.toString(), "--format", "json");
        crash.join();
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.REJECT);
        JsonNode j = r.json();
        assertThat(j.path("isolation").path("signal").asText()).isEqualTo("SIGSEGV");
        // the step the child was in when it died (the machine's load decides which; IsolatedRunnerTest pins one down)
        assertThat(j.path("isolation").path("lastStep").asText())
                .matches("start-up \\(no step reached\\)|model_load: (unpack|session) .*|behavioral_test: case 1/50 .*");
        JsonNode error = null;
        for (JsonNode s : j.path("stages")) {
            if (s.path("status").asText().equals("ERROR")) {
                error = s;
            }
        }
        assertThat(error).isNotNull();
        assertThat(error.path("findings").get(0).path("rule").asText()).isEqualTo("eval.runtime_crashed");
        assertThat(error.path("details").path("reason").asText()).startsWith("the evaluation child died of SIGSEGV")
                .contains(" during " + j.path("isolation").path("lastStep").asText());
    }

    @Test
    void aModelThatLoopsOnEveryPromptGetsAReportWithinTwoMinutesUnderTheDefaults() throws IOException {
        // 8,000 chained 768 x 768 products a step (some 7 TFLOP): no prompt ends inside the default
        // 20 s on any machine here (400 did on an idle one: 12 s a prompt, 50 prompts, the 10-minute run limit)
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 8000);
        long t0 = System.nanoTime();
        CliTest.Run r = airlock("eval", slow.toString());
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        assertThat(seconds).isLessThan(120);
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.REJECT);
        assertThat(r.out()).contains("behavioral_test  ERROR").contains("eval.timeouts_in_a_row")
                .contains("stopped after 3 consecutive cases hit the per-prompt limit of 20000 ms");
    }

    @Test
    void aModelWhoseLoadFoldsGigabytesOfConstantsIsStoppedAndReported() throws IOException {
        Path folding = ModelPackages.foldingConstants(dir.resolve("folding"), 8192, 4);
        long t0 = System.nanoTime();
        CliTest.Run r = airlock("eval", folding.toString(), "--memory-limit", "1024");
        assertThat((System.nanoTime() - t0) / 1_000_000_000L).isLessThan(120);
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.REJECT);
        assertThat(r.out()).contains("model_load       ERROR").contains("eval.memory_limit")
                .contains("during model_load: session model.onnx").contains("killed memory");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void kill(long pid) {
        try {
            new ProcessBuilder("kill", "-SEGV", Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
