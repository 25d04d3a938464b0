package io.airlock.guard.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.airlock.contracts.Kind;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardPolicy;
import io.airlock.guard.engine.GuardResult;
import io.airlock.guard.engine.kernel.KernelAnalyzer;
import io.airlock.formats.python.Parser;
import io.airlock.formats.python.PySyntaxError;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of what reads hostile kernel source: the Python parser may only
 * answer a tree or a {@link PySyntaxError}; the analyzer and the guard engine never throw. In the
 * normal build these run the seeds in {@code src/test/resources/.../KernelFuzzTestInputs} (regression
 * mode); the build's {@code fuzz-*} executions fuzz each for a bounded time (JAZZER_FUZZ=1).
 */
class KernelFuzzTest {
    private static final GuardEngine ENGINE = new GuardEngine(GuardPolicy.defaults());

    @FuzzTest(maxDuration = "10s")
    void pythonParser(FuzzedDataProvider data) {
        String source = data.consumeRemainingAsString();
        try {
            Parser.parse(source);
        } catch (PySyntaxError e) {
            // the only allowed way to refuse input
        }
    }

    @FuzzTest(maxDuration = "10s")
    void guardOnKernels(byte[] bytes) {
        GuardResult r = ENGINE.check(GuardInput.ofInline(Kind.KERNEL, "", "k.py", bytes));
        if (r.verdict() == null) {
            throw new IllegalStateException("no verdict");
        }
        KernelAnalyzer.analyze(new String(bytes, StandardCharsets.UTF_8), "k.py");
    }
}
