package io.airlock.scanner.engine;

import io.airlock.fixtures.RealWriterCorpus;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files the real libraries write ({@link RealWriterCorpus}): every benign one passes
 * {@code airlock scan --policy permissive}; every one that serializes code is flagged.
 */
class RealWritersTest {
    /**
     * Benign files still refused today, each asserted refused so that the fix that admits it must
     * also remove it from here (docs/HOSTILE-CORPUS.md lists them).
     */
    static final Set<String> KNOWN_FALSE_ALARMS = Set.of(
            "torch_jit.pt",          // TorchScript: build_intlist and code members read as dangerous
            "joblib_zlib.joblib");   // joblib's zlib container is not recognized (format.unknown)

    static List<RealWriterCorpus.Entry> corpus() throws Exception {
        return RealWriterCorpus.entries();
    }

    static ScanReport scan(RealWriterCorpus.Entry e) throws Exception {
        return new ScanEngine().scan(e.file(), ScanPolicy.builtin("permissive").options(ScanOptions.defaults(Kind.MODEL)),
                StageListener.NONE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void benignFilesPassAndCodeIsFlagged(RealWriterCorpus.Entry e) throws Exception {
        ScanReport r = scan(e);
        List<Finding> serious = r.stages().stream().flatMap(s -> s.findings().stream())
                .filter(f -> f.severity().atLeast(Severity.MEDIUM)).toList();
        if (e.code()) {
            assertThat(serious).as(e + " serializes code and must be flagged").isNotEmpty();
        } else if (KNOWN_FALSE_ALARMS.contains(e.name())) {
            assertThat(r.verdict()).as(e + " is a known false alarm: fixed? remove it from KNOWN_FALSE_ALARMS")
                    .isEqualTo(ScanVerdict.REJECT);
        } else {
            assertThat(r.verdict()).as(e + ": " + serious).isEqualTo(ScanVerdict.PASS);
        }
    }
}
