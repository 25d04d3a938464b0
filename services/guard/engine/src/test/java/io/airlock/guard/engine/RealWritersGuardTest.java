package io.airlock.guard.engine;

import io.airlock.contracts.Kind;
import io.airlock.fixtures.RealWriterCorpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard's quick look on files the real libraries write ({@link RealWriterCorpus}): every benign
 * one is allowed through to the scanner, under the name its writer gives it. (Files that serialize
 * code are the scanner's to reject; the guard blocks only what is never honest.)
 */
class RealWritersGuardTest {
    static List<RealWriterCorpus.Entry> corpus() throws Exception {
        return RealWriterCorpus.entries().stream().filter(e -> !e.code()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void benignFilesPassTheGuard(RealWriterCorpus.Entry e) throws Exception {
        GuardResult r = new GuardEngine(GuardPolicy.defaults()).check(GuardInput.ofFile(Kind.MODEL, "", e.name(),
                Files.size(e.file()), e.file()));
        assertThat(r.verdict()).as("%s: %s", e, r.findings()).isEqualTo(GuardVerdict.ALLOW);
    }
}
