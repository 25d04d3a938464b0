package io.airlock.scanner.engine;

import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.formats.Sniff;
import io.airlock.fixtures.Samples;
import io.airlock.fixtures.ZipBuilder;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Airlock model packages (model.onnx + tokenizer.json + airlock-model.json in one zip). */
class ModelPackageTest {
    @TempDir
    Path dir;

    static byte[] pkg(String prefix, byte[] extraName, byte[] extra) {
        ZipBuilder z = ZipBuilder.zip()
                .with(prefix + "model.onnx", Samples.onnx())
                .with(prefix + "tokenizer.json", "{\"version\":\"1.0\"}".getBytes(StandardCharsets.UTF_8))
                .with(prefix + "airlock-model.json", "{\"eosTokenId\":1}".getBytes(StandardCharsets.UTF_8));
        if (extraName != null) {
            z.with(new String(extraName, StandardCharsets.UTF_8), extra);
        }
        return z.bytes();
    }

    @Test
    void aPackageIsRecognizedByItsThreeFilesAtTheRootOrInOneFolder() throws IOException {
        for (String prefix : new String[]{"", "my-model/"}) {
            Path f = Files.write(dir.resolve("p.zip"), pkg(prefix, null, null));
            Sniff s = FormatSniffer.sniff(f);
            assertThat(s.format()).as(prefix).isEqualTo(Format.MODEL_PACKAGE);
            ScanReport r = new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
            assertThat(r.verdict()).as(r.stages().toString()).isEqualTo(ScanVerdict.PASS);
        }
    }

    @Test
    void aZipMissingOneOfTheFilesIsJustAZipAndNotAllowed() throws IOException {
        byte[] z = ZipBuilder.zip().with("model.onnx", Samples.onnx())
                .with("tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8)).bytes();
        Path f = Files.write(dir.resolve("p.zip"), z);
        assertThat(FormatSniffer.sniff(f).format()).isEqualTo(Format.ZIP);
        assertThat(new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE).verdict())
                .isEqualTo(ScanVerdict.REJECT);
    }

    @Test
    void aPackageIsStillScannedMemberByMember() throws IOException {
        // a pickle smuggled into a package under an innocent name is found by content
        byte[] evil = Samples.pickleProto4Reduce();
        Path f = Files.write(dir.resolve("p.zip"), pkg("", "notes.txt".getBytes(StandardCharsets.UTF_8), evil));
        ScanReport r = new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        StageResult st = r.stages().stream().filter(s -> s.stage().equals("static_scan")).findFirst().orElseThrow();
        assertThat(st.findings()).extracting(Finding::location).anyMatch(l -> l.contains("notes.txt"));
    }

    @Test
    void aPathTraversalMemberInAPackageRejects() throws IOException {
        Path f = Files.write(dir.resolve("p.zip"), pkg("", "../../etc/cron.d/x".getBytes(StandardCharsets.UTF_8),
                "x".getBytes(StandardCharsets.UTF_8)));
        ScanReport r = new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stages()).flatExtracting(StageResult::findings).extracting(Finding::rule).contains("zip.path_traversal");
    }
}
