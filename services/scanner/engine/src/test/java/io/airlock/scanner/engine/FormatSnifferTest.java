package io.airlock.scanner.engine;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class FormatSnifferTest {
    @TempDir
    Path dir;

    static Stream<Arguments> samples() throws IOException {
        return Stream.of(
                Arguments.of("gguf", Samples.gguf(), Format.GGUF),
                Arguments.of("safetensors", Samples.safetensors(), Format.SAFETENSORS),
                Arguments.of("onnx", Samples.onnx(), Format.ONNX),
                Arguments.of("pickle protocol 2", Samples.pickle(), Format.PICKLE),
                Arguments.of("pickle protocol 0", Samples.pickleProtocol0(), Format.PICKLE),
                Arguments.of("npy", Samples.npy(), Format.NUMPY),
                Arguments.of("python source", Samples.python(), Format.PYTHON_SOURCE),
                Arguments.of("pytorch zip", Samples.zip("archive/data.pkl", "archive/data/0", "archive/version"), Format.PYTORCH_ZIP),
                // a pickle hidden under an innocent name is still a pickle member: only .pkl names are looked at here,
                // the member-by-member content sniffing arrives with the scanner issue
                Arguments.of("npz", Samples.zip("a.npy", "b.npy"), Format.NUMPY_ZIP),
                Arguments.of("keras", Samples.zip("metadata.json", "config.json", "model.weights.h5"), Format.KERAS),
                Arguments.of("plain zip", Samples.zip("readme.txt"), Format.ZIP),
                Arguments.of("gzip", new byte[]{0x1f, (byte) 0x8b, 8, 0}, Format.GZIP),
                Arguments.of("hdf5", new byte[]{(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, Format.HDF5),
                Arguments.of("empty", new byte[0], Format.UNKNOWN),
                Arguments.of("random bytes", new byte[]{0x13, 0x37, 0x00, (byte) 0xff, 0x42}, Format.UNKNOWN),
                Arguments.of("prose is not python", "Dear reader,\nhello.\n".getBytes(StandardCharsets.UTF_8), Format.UNKNOWN),
                // a safetensors header length that points past the end of the file is not safetensors
                Arguments.of("safetensors with lying length", lyingSafetensors(), Format.UNKNOWN),
                // ONNX-looking bytes whose first length runs past the file are not ONNX
                Arguments.of("onnx with overlong field", new byte[]{0x08, 0x08, 0x3a, 0x7f, 0x00}, Format.UNKNOWN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void identifiesByContentFromAFile(String name, byte[] bytes, Format expected) throws IOException {
        // the name deliberately lies: sniffing must not look at it
        Path f = Files.write(dir.resolve("artifact.safetensors"), bytes);
        Sniff s = FormatSniffer.sniff(f);
        assertThat(s.format()).as(s.evidence()).isEqualTo(expected);
        assertThat(s.evidence()).isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void identifiesTheSameFromTheHeadAlone(String name, byte[] bytes, Format expected) {
        assertThat(FormatSniffer.sniff(bytes, bytes.length).format()).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void zipMembersAreFoundThroughTheCentralDirectoryOfALargeFile() throws IOException {
        // members after the 64 KiB head: only the central directory can tell this is a PyTorch archive
        byte[] big = Samples.zip("archive/" + "p".repeat(40_000) + "/x", "archive/" + "q".repeat(40_000) + "/y", "archive/data.pkl");
        Path f = Files.write(dir.resolve("big.zip"), big);
        assertThat(FormatSniffer.sniff(f).format()).isEqualTo(Format.PYTORCH_ZIP);
        assertThat(FormatSniffer.sniff(java.util.Arrays.copyOf(big, 1000), big.length).format()).isEqualTo(Format.ZIP);
    }

    @org.junit.jupiter.api.Test
    void aTruncatedZipIsStillAZipWithTheProblemSaid() throws IOException {
        byte[] z = Samples.zip("archive/data.pkl");
        Path f = Files.write(dir.resolve("cut.zip"), java.util.Arrays.copyOf(z, z.length - 10));
        Sniff s = FormatSniffer.sniff(f);
        assertThat(s.format()).isEqualTo(Format.ZIP);
        assertThat(s.evidence()).contains("central directory unreadable");
    }

    private static byte[] lyingSafetensors() {
        byte[] b = Samples.safetensors();
        b[0] = (byte) 0xff; // header length now ~ 255 + ..., far past the end
        b[1] = 0x7f;
        return b;
    }
}
