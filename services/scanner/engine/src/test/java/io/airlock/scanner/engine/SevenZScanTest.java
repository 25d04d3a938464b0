package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.fixtures.Samples;
import io.airlock.fixtures.ZipBuilder;
import io.airlock.formats.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** 7z archives are read, not refused: members judged like zip members, what cannot be read is rejected. */
class SevenZScanTest {
    @TempDir
    Path dir;

    ScanReport scan(byte[] bytes, ScanOptions o) throws IOException {
        return new ScanEngine().scan(Files.write(dir.resolve("model.7z"), bytes), o, StageListener.NONE);
    }

    static java.util.List<String> rules(ScanReport r) {
        return r.stages().stream().flatMap(s -> s.findings().stream()).map(Finding::rule).toList();
    }

    @Test
    void aPickleInsideA7zIsAnalysedLikeAZipMember() throws IOException {
        ScanReport r = scan(HostileCorpus.sevenZip("archive/data.pkl", HostileCorpus.EVIL), HostileCorpusTest.PERMISSIVE);
        assertThat(r.format()).isEqualTo(Format.SEVEN_ZIP);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(rules(r)).contains("pickle.dangerous_import");
        assertThat(r.stage(ScanEngine.STATIC_SCAN).orElseThrow().details()).containsEntry("sevenZipArchives", "1")
                .containsEntry("members", "1");
        // nested inside a zip, the same
        ScanReport nested = scan(ZipBuilder.zip().with("model.7z", HostileCorpus.sevenZip("data.pkl", HostileCorpus.EVIL))
                .bytes(), HostileCorpusTest.PERMISSIVE);
        assertThat(rules(nested)).contains("pickle.dangerous_import");
    }

    @Test
    void anHonest7zPassesWherePolicyAllowsIt() throws IOException {
        ScanReport r = scan(HostileCorpus.sevenZip("model.safetensors", Samples.safetensors()), HostileCorpusTest.PERMISSIVE);
        assertThat(r.verdict()).as(rules(r).toString()).isEqualTo(ScanVerdict.PASS);
        // the default policy does not take a bare archive: said so, by name, never passed
        ScanReport d = scan(HostileCorpus.sevenZip("model.safetensors", Samples.safetensors()), ScanOptions.defaults(Kind.MODEL));
        assertThat(d.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(rules(d)).contains("format.not_allowed");
    }

    @Test
    void archiveRulesApplyAndWhatCannotBeReadRejects() throws IOException {
        ScanReport traversal = scan(HostileCorpus.sevenZip("../../.bashrc", Samples.ascii("id")), HostileCorpusTest.PERMISSIVE);
        assertThat(rules(traversal)).contains("sevenz.path_traversal");
        byte[] ok = HostileCorpus.sevenZip("model.safetensors", Samples.safetensors());
        ScanReport cut = scan(Arrays.copyOf(ok, ok.length - 5), HostileCorpusTest.PERMISSIVE);
        assertThat(cut.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(rules(cut)).containsExactly("sevenz.malformed");
    }
}
