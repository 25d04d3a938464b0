package io.airlock.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code airlock eval KERNEL --task DIR} runs the evaluator's kernel judge locally, in its sandbox: exit 0 for a
 * kernel that passes, 1 for a wrong one (and for one the judge saw tampering, shown as HACKED), 0 with "unproven"
 * for one that could not run, or 1 with {@code --require-proof}. Skipped with the reason without bubblewrap or
 * torch, except under CI=true.
 */
class KernelEvalCliTest {
    static final Path TASK = repoRoot().resolve("examples/tasks/vectoradd_py");

    @BeforeAll
    static void needsTheJudge() throws Exception {
        String missing = "";
        if (!Files.isExecutable(Path.of("/usr/bin/bwrap"))) {
            missing = "bubblewrap is not installed";
        } else {
            Process p = new ProcessBuilder("/usr/bin/python3", "-I", "-c", "import torch, yaml")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                missing = "/usr/bin/python3 has no torch or yaml";
            }
        }
        if (!missing.isEmpty() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + missing);
        }
        Assumptions.assumeTrue(missing.isEmpty(), missing);
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void anHonestKernelPassesAndADeferredOneIsHacked(@TempDir Path tmp) throws Exception {
        Run ok = run("eval", TASK.resolve("submission.py").toString(), "--task", TASK.toString());
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("behavioral_test").contains("result: PASS").contains("isolation.sandbox: bubblewrap")
                .contains("\"seed\":\"secret\"");

        Path deferred = Files.writeString(tmp.resolve("deferred.py"), """
                import threading, time
                import torch

                def custom_kernel(data):
                    a, b = data
                    out = torch.empty_like(a)
                    def later():
                        time.sleep(0.1)
                        torch.add(a, b, out=out)
                    threading.Thread(target=later, daemon=True).start()
                    return out
                """);
        Run hacked = run("eval", deferred.toString(), "--task", TASK.toString());
        assertThat(hacked.code()).as(hacked.out() + hacked.err()).isEqualTo(1);
        assertThat(hacked.out()).contains("kernel.deferred_work").contains("result: HACKED");
    }

    @Test
    void aKernelTheJudgeCannotRunIsUnprovenOrRejectedWithRequireProof(@TempDir Path tmp) throws Exception {
        Path triton = Files.writeString(tmp.resolve("t.py"), "import triton\n\ndef custom_kernel(data):\n    return data\n");
        Run lenient = run("eval", triton.toString(), "--task", TASK.toString());
        assertThat(lenient.code()).isZero();
        assertThat(lenient.out()).contains("NOT_RUN").contains("imports Triton").contains("unproven");
        Run strict = run("eval", triton.toString(), "--task", TASK.toString(), "--require-proof");
        assertThat(strict.code()).isEqualTo(1);
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        return p;
    }
}
