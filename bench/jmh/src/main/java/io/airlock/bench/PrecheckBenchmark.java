package io.airlock.bench;

import io.airlock.contracts.Kind;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardPolicy;
import io.airlock.guard.engine.GuardResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The precheck of a 20 KB kernel: in process (the guard engine) versus the external-analyzer
 * route (one subprocess per call, the way a wrapper around an external CLI works; the process
 * is {@code airlock.bench.analyzer}, default a stand-in Python script).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class PrecheckBenchmark {
    private GuardEngine engine;
    private byte[] kernel;
    private String[] analyzer;

    @Param({"20k"})
    public String size;

    @Setup
    public void setup() throws IOException {
        engine = new GuardEngine(GuardPolicy.defaults());
        kernel = Kernels.honest20k();
        analyzer = System.getProperty("airlock.bench.analyzer",
                "python3 services/guard/app/src/test/resources/external/standin-analyzer.py").split("\\s+");
        GuardResult r = engine.check(GuardInput.ofInline(Kind.KERNEL, "", "submission.py", kernel));
        if (r.verdict() != io.airlock.guard.engine.GuardVerdict.ALLOW) {
            throw new IllegalStateException("the honest benchmark kernel must be allowed: " + r.findings());
        }
    }

    @Benchmark
    public GuardResult inProcess() {
        return engine.check(GuardInput.ofInline(Kind.KERNEL, "", "submission.py", kernel));
    }

    @Benchmark
    public int subprocessPerCall() throws Exception {
        Process p = new ProcessBuilder(analyzer).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(kernel);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("analyzer hung");
        }
        return out.length;
    }

    /** Writes the kernel where scripts can reuse it (bench/precheck.sh posts it through the gateway). */
    public static void main(String[] args) throws IOException {
        Files.write(Path.of(args.length > 0 ? args[0] : "kernel-20k.py"), Kernels.honest20k());
    }
}
