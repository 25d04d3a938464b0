package io.airlock.formats;

import io.airlock.fixtures.TarBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The streaming tar reader: every header rule has a hostile archive that breaks it, and honest layouts read back exactly. */
class TarArchiveTest {
    static final byte[] HI = "hi".getBytes(StandardCharsets.UTF_8);
    static final TarArchive.Limits DEFAULTS = TarArchive.Limits.of(ZipArchive.Limits.defaults());

    record Read(Map<String, String> files, List<ZipArchive.Problem> problems, boolean clean) {
        List<String> rules() {
            return problems.stream().map(ZipArchive.Problem::rule).toList();
        }
    }

    static Read read(byte[] tar, TarArchive.Limits limits) throws IOException {
        List<ZipArchive.Problem> problems = new ArrayList<>();
        TarArchive t = TarArchive.open(new ByteArrayInputStream(tar), limits, problems);
        Map<String, String> files = new LinkedHashMap<>();
        TarArchive.Entry e;
        while ((e = t.next()) != null) {
            if (e.regular()) {
                InputStream in = t.member();
                files.put(e.name(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } else {
                files.put(e.name(), "<" + e.type() + ">");
            }
        }
        return new Read(files, problems, t.endedCleanly());
    }

    @Test
    void honestLayoutsReadBackExactly() throws IOException {
        String deep = "a/" + "b".repeat(120) + "/weights.txt"; // over 100 bytes: ustar prefix field
        String longer = "c/" + "d".repeat(300) + ".txt"; // over 255: GNU long name
        byte[] tar = TarBuilder.tar()
                .dir("model/")
                .file("model/config.json", "{}")
                .file(deep, "deep")
                .gnuLong(longer, "long".getBytes(StandardCharsets.UTF_8))
                .pax('x', List.of("path=pax/näme.txt", "mtime=1700000000.5"), "ignored", "pax".getBytes(StandardCharsets.UTF_8))
                .pax('g', List.of("comment=made by a test"), null, null)
                .file("empty", new byte[0])
                .bytes();
        Read r = read(tar, DEFAULTS);
        assertThat(r.problems()).isEmpty();
        assertThat(r.clean()).isTrue();
        assertThat(r.files()).containsExactly(Map.entry("model/", "<DIRECTORY>"), Map.entry("model/config.json", "{}"),
                Map.entry(deep, "deep"), Map.entry(longer, "long"), Map.entry("pax/näme.txt", "pax"), Map.entry("empty", ""));
    }

    @Test
    void aPaxSizeOverridesTheHeaderSize() throws IOException {
        byte[] data = "0123456789".getBytes(StandardCharsets.UTF_8);
        // the ustar size field says 10, pax says 4: readers that honour pax read 4 bytes and realign
        byte[] tar = TarBuilder.tar().pax('x', List.of("size=10"), "f", data).bytes();
        assertThat(read(tar, DEFAULTS).files()).containsEntry("f", "0123456789");
    }

    static Stream<Arguments> hostile() {
        TarArchive.Limits two = new TarArchive.Limits(2, 1 << 20, 1 << 20, 64, 4096, 512, 1 << 20);
        TarArchive.Limits small = new TarArchive.Limits(100, 8, 1 << 20, 64, 4096, 512, 1 << 20);
        TarArchive.Limits total = new TarArchive.Limits(100, 1 << 20, 10, 64, 4096, 512, 1 << 20);
        byte[] honest = TarBuilder.tar().file("a.txt", "hello").bytes();
        return Stream.of(
                arguments("bad header checksum", TarBuilder.tar().entry("a", '0', HI, "", true).bytes(), DEFAULTS, "tar.checksum"),
                arguments("cut inside a member", TarBuilder.tar().file("a", new byte[2000]).cutAt(1024).bytes(), DEFAULTS, "tar.truncated"),
                arguments("no end blocks", TarBuilder.tar().file("a", HI).endBlocks(0).bytes(), DEFAULTS, "tar.truncated"),
                arguments("one end block", TarBuilder.tar().file("a", HI).endBlocks(1).bytes(), DEFAULTS, "tar.truncated"),
                arguments("cut inside a header", java.util.Arrays.copyOf(honest, 300), DEFAULTS, "tar.truncated"),
                arguments("member hidden after the end marker", concat(honest,
                        TarBuilder.tar().file("evil.pkl", HI).bytes()), DEFAULTS, "tar.trailing_data"),
                arguments("member after a single zero block", TarBuilder.tar().file("a", HI).endBlocks(1)
                        .trailing(TarBuilder.tar().file("evil", HI).bytes()).bytes(), DEFAULTS, "tar.trailing_data"),
                arguments("non-octal size", TarBuilder.tar().rawSize("a", "12x4").bytes(), DEFAULTS, "tar.bad_number"),
                arguments("negative base-256 size", TarBuilder.tar().rawSize("a", "\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00fe").bytes(),
                        DEFAULTS, "tar.bad_number"),
                arguments("symbolic link", TarBuilder.tar().entry("w.safetensors", '2', new byte[0], "/etc/passwd", false).bytes(),
                        DEFAULTS, "tar.symlink"),
                arguments("hard link", TarBuilder.tar().file("a", HI).entry("b", '1', new byte[0], "a", false).bytes(),
                        DEFAULTS, "tar.hardlink"),
                arguments("character device", TarBuilder.tar().entry("null", '3', new byte[0], "", false).bytes(), DEFAULTS, "tar.device"),
                arguments("fifo", TarBuilder.tar().entry("pipe", '6', new byte[0], "", false).bytes(), DEFAULTS, "tar.device"),
                arguments("sparse member", TarBuilder.tar().entry("s", 'S', HI, "", false).bytes(), DEFAULTS, "tar.unsupported_type"),
                arguments("directory with data", TarBuilder.tar().entry("d/", '5', HI, "", false).bytes(), DEFAULTS, "tar.ambiguous_header"),
                arguments("path traversal", TarBuilder.tar().file("../../etc/cron.d/x", HI).bytes(), DEFAULTS, "tar.path_traversal"),
                arguments("path traversal by pax path", TarBuilder.tar().pax('x', List.of("path=a/../../x"), "innocent", HI).bytes(),
                        DEFAULTS, "tar.path_traversal"),
                arguments("path traversal by GNU long name", TarBuilder.tar().gnuLong("../" + "x".repeat(120), HI).bytes(),
                        DEFAULTS, "tar.path_traversal"),
                arguments("absolute path", TarBuilder.tar().file("/etc/passwd", HI).bytes(), DEFAULTS, "tar.absolute_path"),
                arguments("drive letter", TarBuilder.tar().file("C:/x", HI).bytes(), DEFAULTS, "tar.absolute_path"),
                arguments("backslashes", TarBuilder.tar().file("..\\x", HI).bytes(), DEFAULTS, "tar.backslash_path"),
                arguments("control character", TarBuilder.tar().file("a\u0001b", HI).bytes(), DEFAULTS, "tar.bad_name"),
                arguments("duplicate name", TarBuilder.tar().file("a", HI).file("./a", HI).bytes(), DEFAULTS, "tar.duplicate_name"),
                arguments("too deep", TarBuilder.tar().file("d/".repeat(70) + "x", HI).bytes(), DEFAULTS, "tar.path_depth"),
                arguments("global header renames", TarBuilder.tar().pax('g', List.of("path=evil"), null, null).file("a", HI).bytes(),
                        DEFAULTS, "tar.global_header"),
                arguments("malformed pax record", TarBuilder.tar().paxRaw("99 path=x\n".getBytes(StandardCharsets.UTF_8), "a", HI).bytes(),
                        DEFAULTS, "tar.extension_header"),
                arguments("pax size not a number", TarBuilder.tar().pax('x', List.of("size=-5"), "a", HI).bytes(), DEFAULTS,
                        "tar.extension_header"),
                arguments("extension header over the bound", TarBuilder.tar().pax('x', List.of("comment=" + "z".repeat(600)), "a", HI)
                        .bytes(), small, "tar.extension_header"),
                arguments("too many entries", TarBuilder.tar().file("a", HI).file("b", HI).file("c", HI).bytes(), two, "tar.too_many_entries"),
                arguments("member over the size bound", TarBuilder.tar().file("a", new byte[9]).bytes(), small, "tar.entry_size"),
                arguments("members over the total bound", TarBuilder.tar().file("a", new byte[6]).file("b", new byte[6]).bytes(),
                        total, "tar.total_size"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void eachHostileArchiveIsNamedByItsRule(String name, byte[] tar, TarArchive.Limits limits, String rule) throws IOException {
        Read r = read(tar, limits);
        assertThat(r.rules()).as(name + ": " + r.problems()).contains(rule);
    }

    @Test
    void aPaxPathBesideADifferentGnuLongNameIsAmbiguous() throws IOException {
        TarBuilder b = TarBuilder.tar();
        byte[] withLong = b.gnuLong("gnu/" + "n".repeat(120), HI).bytes();
        // splice a pax header naming another path between the 'L' header and the member it names
        byte[] pax = TarBuilder.tar().pax('x', List.of("path=pax-name"), null, null).endBlocks(0).bytes();
        byte[] spliced = concat(java.util.Arrays.copyOf(withLong, 1024), pax, java.util.Arrays.copyOfRange(withLong, 1024, withLong.length));
        Read r = read(spliced, DEFAULTS);
        assertThat(r.rules()).contains("tar.ambiguous_header");
        assertThat(r.files()).containsKey("pax-name");
    }

    @Test
    void oldSignedChecksumsAreAccepted() throws IOException {
        // a name with bytes over 0x7f: the signed sum differs from the unsigned one
        byte[] tar = TarBuilder.tar().file("é.txt", HI).bytes();
        long signed = 0;
        for (int i = 0; i < 512; i++) {
            signed += i >= 148 && i < 156 ? ' ' : tar[i];
        }
        byte[] f = String.format("%06o\0 ", signed).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(f, 0, tar, 148, 8);
        assertThat(read(tar, DEFAULTS).problems()).isEmpty();
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
