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
     * also remove it from here (docs/HOSTILE-CORPUS.md lists them). Empty since TorchScript archives
     * are judged as torch.jit.load resolves them and joblib's zlib container is read.
     */
    static final Set<String> KNOWN_FALSE_ALARMS = Set.of();

    /** Rules that say a pickle global has no entry that allows the way the stream uses it. */
    static final Set<String> UNVETTED = Set.of("pickle.unknown_import", "pickle.unlisted_call", "pickle.dangerous_import",
            "pickle.needs_code");

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
            assertThat(r.verdict()).as(e + " serializes code: rejected under permissive").isEqualTo(ScanVerdict.REJECT);
        } else if (KNOWN_FALSE_ALARMS.contains(e.name())) {
            assertThat(r.verdict()).as(e + " is a known false alarm: fixed? remove it from KNOWN_FALSE_ALARMS")
                    .isEqualTo(ScanVerdict.REJECT);
        } else {
            assertThat(r.verdict()).as(e + ": " + serious).isEqualTo(ScanVerdict.PASS);
        }
    }

    /**
     * The allowlist is harvested from the real writers: every global a benign file imports must have
     * an entry that allows the way it is used (pickle.safe_import), so a writer that starts emitting a
     * name nobody vetted fails the build here. The harvest is written to target/real-writer-globals.txt.
     */
    @org.junit.jupiter.api.Test
    void everyGlobalTheRealWritersEmitIsVetted() throws Exception {
        java.util.TreeSet<String> harvested = new java.util.TreeSet<>();
        java.util.List<String> unvetted = new java.util.ArrayList<>();
        for (RealWriterCorpus.Entry e : corpus()) {
            for (Finding f : scan(e).stages().stream().flatMap(s -> s.findings().stream()).toList()) {
                if (f.rule().equals("pickle.safe_import")) {
                    harvested.add(global(f) + "\t" + e.name());
                } else if (!e.code() && UNVETTED.contains(f.rule())) {
                    unvetted.add(e.name() + ": " + f.rule() + " " + f.message());
                }
            }
        }
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "real-writer-globals.txt"),
                String.join("\n", harvested) + "\n");
        assertThat(unvetted).as("globals the real writers emit without an entry in pickle-imports.tsv").isEmpty();
        assertThat(harvested).as("the harvest found the writers' globals").isNotEmpty();
    }

    private static String global(Finding f) {
        String m = f.message().substring("imports ".length());
        return m.substring(0, m.indexOf(' ') < 0 ? m.length() : m.indexOf(' ')).replaceAll(",$", "");
    }
}
