package io.airlock.formats;

import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZOutputFile;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** 7z archives written by Commons Compress's own writer (LZMA2, 7-Zip's default) read under the archive bounds. */
class SevenZArchiveTest {
    static final ZipArchive.Limits LIMITS = ZipArchive.Limits.defaults();

    /** A 7z archive of {@code files} as SevenZOutputFile writes it (LZMA2, one solid block). */
    static byte[] sevenZ(Map<String, byte[]> files) throws IOException {
        SeekableInMemoryByteChannel ch = new SeekableInMemoryByteChannel();
        try (SevenZOutputFile out = new SevenZOutputFile(ch)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                SevenZArchiveEntry e = new SevenZArchiveEntry();
                e.setName(f.getKey());
                e.setSize(f.getValue().length);
                out.putArchiveEntry(e);
                out.write(f.getValue());
                out.closeArchiveEntry();
            }
            out.finish();
            return Arrays.copyOf(ch.array(), (int) ch.size());
        }
    }

    static Map<String, byte[]> files(String... nameAndText) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndText.length; i += 2) {
            m.put(nameAndText[i], nameAndText[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    @Test
    void membersAreReadFrontToBackWithTheirContent() throws Exception {
        List<ZipArchive.Problem> problems = new ArrayList<>();
        byte[] archive = sevenZ(files("model/config.json", "{\"a\": 1}", "model/weights.bin", "x".repeat(10_000)));
        Map<String, String> read = new LinkedHashMap<>();
        try (SevenZArchive a = SevenZArchive.open(ByteSource.of(archive), LIMITS, problems)) {
            SevenZArchive.Entry e;
            while ((e = a.next()) != null) {
                read.put(e.name(), new String(a.member().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(read).containsEntry("model/config.json", "{\"a\": 1}").containsEntry("model/weights.bin", "x".repeat(10_000));
    }

    @Test
    void namesBreakTheSameRulesAsTar() throws Exception {
        List<ZipArchive.Problem> problems = new ArrayList<>();
        byte[] archive = sevenZ(files("../../.bashrc", "a", "/etc/cron.d/x", "b", "dir\\win.txt", "c", "ok.txt", "d",
                "./ok.txt", "e"));
        SevenZArchive.open(ByteSource.of(archive), LIMITS, problems).close();
        assertThat(problems).extracting(ZipArchive.Problem::rule).containsExactly("sevenz.path_traversal",
                "sevenz.absolute_path", "sevenz.backslash_path", "sevenz.duplicate_name");
    }

    @Test
    void boundsAreThoseOfZipAndTar() throws Exception {
        byte[] zeros = sevenZ(Map.of("zeros.bin", new byte[4 << 20]));
        ZipArchive.Limits tight = new ZipArchive.Limits(1, 100, 1 << 20, 1L << 30, 1 << 20);
        // 4 MiB of zeros pack into a few hundred bytes: over the ratio once above the floor
        assertThatThrownBy(() -> SevenZArchive.open(ByteSource.of(zeros), tight, new ArrayList<>()))
                .isInstanceOf(FormatViolation.class).hasMessageContaining("decompression bomb")
                .extracting(e -> ((FormatViolation) e).rule()).isEqualTo("sevenz.ratio");
        assertThatThrownBy(() -> SevenZArchive.open(ByteSource.of(sevenZ(files("a", "1", "b", "2"))), tight, new ArrayList<>()))
                .extracting(e -> ((FormatViolation) e).rule()).isEqualTo("sevenz.too_many_entries");
        ZipArchive.Limits small = new ZipArchive.Limits(10, 100_000, 1 << 20, 1L << 30, 1 << 20, 100);
        List<ZipArchive.Problem> problems = new ArrayList<>();
        SevenZArchive.open(ByteSource.of(sevenZ(files("big", "x".repeat(200)))), small, problems).close();
        assertThat(problems).extracting(ZipArchive.Problem::rule).containsExactly("sevenz.entry_size");
    }

    @Test
    void whatTheLibraryRefusesIsMalformedNeverSkipped() throws Exception {
        byte[] ok = sevenZ(files("a.txt", "hello ".repeat(1000)));
        assertThatThrownBy(() -> SevenZArchive.open(ByteSource.of(Arrays.copyOf(ok, ok.length - 10)), LIMITS, new ArrayList<>()))
                .extracting(e -> ((FormatViolation) e).rule()).isEqualTo("sevenz.malformed");
        assertThatThrownBy(() -> SevenZArchive.open(ByteSource.of(Arrays.copyOf(ok, 40)), LIMITS, new ArrayList<>()))
                .extracting(e -> ((FormatViolation) e).rule()).isEqualTo("sevenz.malformed");
        // the packed stream damaged: the header still lists the member, reading it fails its check
        byte[] damaged = ok.clone();
        damaged[40] ^= 0x55;
        damaged[41] ^= 0x55;
        List<ZipArchive.Problem> problems = new ArrayList<>();
        try (SevenZArchive a = SevenZArchive.open(ByteSource.of(damaged), LIMITS, problems)) {
            while (a.next() != null) {
                a.member().readAllBytes();
            }
        }
        assertThat(problems).extracting(ZipArchive.Problem::rule).containsExactly("sevenz.malformed");
    }
}
