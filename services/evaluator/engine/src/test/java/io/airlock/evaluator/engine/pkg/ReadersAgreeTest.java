package io.airlock.evaluator.engine.pkg;

import io.airlock.contracts.Kind;
import io.airlock.fixtures.TarBuilder;
import io.airlock.fixtures.ZipBuilder;
import io.airlock.scanner.engine.ScanEngine;
import io.airlock.scanner.engine.ScanOptions;
import io.airlock.scanner.engine.ScanPolicy;
import io.airlock.scanner.engine.ScanReport;
import io.airlock.scanner.engine.ScanVerdict;
import io.airlock.scanner.engine.StageListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Archives on which two readers could disagree: each is refused by the scanner (the permissive
 * policy, so only findings decide) and by the evaluator's unpacker alike. The unpacker reads with
 * the scanner's readers; this shows the two components draw the same conclusion.
 */
class ReadersAgreeTest {
    static final byte[] MODEL = "model".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    static ZipBuilder pkg() {
        return ZipBuilder.zip().with("model.onnx", MODEL).with("tokenizer.json", ascii("{}"))
                .with("airlock-model.json", ascii("{}"));
    }

    static Stream<Arguments> disagreements() {
        ZipBuilder names = pkg();
        names.add("notes.txt", ascii("x")).localName("model2.onnx");
        return Stream.of(
                arguments("zip: central and local names differ", names.bytes()),
                arguments("zip: zip64 locator and record disagree", pkg().zip64LocatorOffset(0).bytes()),
                arguments("zip: zip64 and classic entry counts differ", pkg().zip64Entries(1).bytes()),
                arguments("zip: bytes before the first member", pkg().prefix(ascii("#!/bin/sh\nexit 0\n")).bytes()),
                arguments("zip: two end records", pkg().secondEndRecord().bytes()),
                arguments("zip: one name twice", pkg().with("model.onnx", ascii("other")).bytes()),
                arguments("tar: pax path beside a GNU long name", paxBesideGnuLongName()),
                arguments("tar: a member hidden after the end marker", TarBuilder.tar().file("model.onnx", MODEL)
                        .endBlocks(2).trailing(TarBuilder.tar().file("evil.onnx", MODEL).bytes()).bytes()),
                arguments("tar: one name twice", TarBuilder.tar().file("model.onnx", MODEL).file("model.onnx", ascii("y"))
                        .bytes()),
                arguments("tar.gz: a second gzip member hiding a member after the end marker", concat(
                        TarBuilder.tar().file("model.onnx", MODEL).gzipped(),
                        TarBuilder.gzip(TarBuilder.tar().file("evil.onnx", MODEL).bytes()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("disagreements")
    void refusedByTheScannerAndTheUnpacker(String name, byte[] archive) throws IOException {
        Path f = Files.write(dir.resolve("artifact.bin"), archive);
        ScanReport r = new ScanEngine().scan(f, ScanPolicy.builtin("permissive").options(ScanOptions.defaults(Kind.MODEL)),
                StageListener.NONE);
        assertThat(r.verdict()).as(name + " by the scanner").isEqualTo(ScanVerdict.REJECT);
        assertThatThrownBy(() -> PackageLoader.open(f, PackageLimits.defaults(), dir.resolve("unpack")))
                .as(name + " by the unpacker").isInstanceOf(PackageException.class);
    }

    /** Names that one file system keeps apart and another folds into one file. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("collisions")
    void namesThatCollideOnSomeFileSystemAreRefused(String name, byte[] archive, String message) throws IOException {
        Path f = Files.write(dir.resolve("artifact.bin"), archive);
        assertThatThrownBy(() -> PackageLoader.open(f, PackageLimits.defaults(), dir.resolve("unpack")))
                .isInstanceOf(PackageException.class).hasMessageContaining(message);
    }

    static Stream<Arguments> collisions() {
        String nfc = "caf\u00e9.json";
        String nfd = "cafe\u0301.json";
        return Stream.of(
                arguments("case", pkg().with("MODEL.onnx", MODEL).bytes(), "case or Unicode normalization"),
                arguments("NFC and NFD", pkg().with(nfc, ascii("1")).with(nfd, ascii("2")).bytes(), "case or Unicode normalization"),
                arguments("a file beside a folder of the same name", pkg().with("extra", ascii("1")).with("extra/x", ascii("2"))
                        .bytes(), "through a file of the same name"),
                arguments("a folder then a file of the same name", TarBuilder.tar().dir("d/").file("d", ascii("x")).bytes(),
                        "tar.duplicate_name"),
                arguments("a segment over 255 bytes", pkg().with("\u00e9".repeat(128), ascii("1")).bytes(), "over 255 bytes"));
    }

    @Test
    void theDigestOfWhatWasUnpackedIsTheDigestOfTheArchive() throws Exception {
        for (byte[] archive : List.of(pkg().bytes(), TarBuilder.tar().file("model.onnx", MODEL).bytes(),
                TarBuilder.tar().file("model.onnx", MODEL).gzipped())) {
            Path f = Files.write(dir.resolve("a.bin"), archive);
            String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
            String layout = PackageLoader.layout(f);
            Path out = Files.createTempDirectory(dir, "u");
            ArchiveUnpacker.Stats st = layout.equals("zip") ? ArchiveUnpacker.zip(f, out, PackageLimits.defaults())
                    : ArchiveUnpacker.tar(f, layout.equals("tar.gz"), out, PackageLimits.defaults());
            assertThat(st.sha256()).as(layout).isEqualTo(expected);
        }
    }

    /** A GNU long-name header, then a pax header naming the same member otherwise, then the member. */
    static byte[] paxBesideGnuLongName() {
        byte[] withLong = TarBuilder.tar().gnuLong("gnu-name.onnx", MODEL).bytes();
        byte[] pax = TarBuilder.tar().pax('x', List.of("path=pax-name.onnx"), null, null).endBlocks(0).bytes();
        return concat(java.util.Arrays.copyOf(withLong, 1024), pax, java.util.Arrays.copyOfRange(withLong, 1024, withLong.length));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
