package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streamed end to end: {@code airlock scan} in its own JVM with a 256 MiB heap over 4 GiB model files
 * whose headers are as large as the formats allow in practice (a 100 MB safetensors header, a GGUF
 * with a 2-million-entry vocabulary). Tensor data is sparse (holes read as zeros), so the files cost
 * no disk, but every byte is read and hashed. A parser that built a tree of the header or held the
 * file would die of OutOfMemoryError here ({@code -XX:+ExitOnOutOfMemoryError}: exit 3, no report).
 */
class LargeFileHeapTest {
    static final long FOUR_GIB = 4L << 30;
    static final int TENSORS = 4096;
    static final long TENSOR_BYTES = FOUR_GIB / TENSORS; // 1 MiB: 512 x 512 F32, or 512 x 1024 F16

    @TempDir
    Path dir;

    @Test
    void aFourGibSafetensorsFileWithAHundredMegabyteHeaderScansIn256MibOfHeap() throws Exception {
        Path f = dir.resolve("model.safetensors");
        long headerLength = writeSafetensorsHeader(f, 100_000_000L - 8);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(8 + headerLength + FOUR_GIB);
        }
        JsonNode report = scanWithSmallHeap(f);
        assertThat(report.path("format").asText()).isEqualTo("safetensors");
        assertThat(report.path("size").asLong()).isEqualTo(8 + headerLength + FOUR_GIB);
        JsonNode gate = stage(report, "format_gate");
        assertThat(gate.path("status").asText()).isEqualTo("PASS");
        assertThat(gate.path("details").path("safetensors.headerLength").asLong()).isEqualTo(headerLength)
                .isGreaterThan(99_000_000L);
        assertThat(gate.path("details").path("safetensors.tensors").asText()).isEqualTo(Integer.toString(TENSORS));
        assertThat(stage(report, "static_scan").path("details").path("weights.judged").asText())
                .isEqualTo(Integer.toString(TENSORS));
    }

    @Test
    void aFourGibGgufWithATwoMillionTokenVocabularyScansIn256MibOfHeap() throws Exception {
        Path f = dir.resolve("model.gguf");
        long dataStart = writeGgufHeader(f, 2_000_000);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(dataStart + FOUR_GIB);
        }
        JsonNode report = scanWithSmallHeap(f);
        assertThat(report.path("format").asText()).isEqualTo("gguf");
        JsonNode gate = stage(report, "format_gate");
        assertThat(gate.path("status").asText()).isEqualTo("PASS");
        assertThat(gate.path("details").path("gguf.tensors").asText()).isEqualTo(Integer.toString(TENSORS));
        assertThat(stage(report, "static_scan").path("details").path("weights.judged").asText())
                .isEqualTo(Integer.toString(TENSORS));
    }

    /** Runs {@code airlock scan FILE --format json} in a fresh JVM with -Xmx256m; the report, or a failure. */
    static JsonNode scanWithSmallHeap(Path file) throws Exception {
        Assumptions.assumeTrue(Files.getFileStore(file).getUsableSpace() > (1L << 30),
                "needs 1 GiB of free disk in the temporary folder (the files are sparse)");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "scan", file.toString(),
                "--format", "json"));
        Path out = file.resolveSibling(file.getFileName() + ".json");
        Path err = file.resolveSibling(file.getFileName() + ".err");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the scan did not finish in 10 minutes");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String stderr = Files.readString(err);
        // exit 0 (pass) or 1 (findings): either way a report; 2 or 3 is a tool error or an OOM
        assertThat(p.exitValue()).as("exit code; stderr: %s", stderr).isIn(0, 1);
        JsonNode report = new ObjectMapper().readTree(out.toFile());
        StringBuilder stages = new StringBuilder();
        for (JsonNode s : report.path("stages")) {
            stages.append(' ').append(s.path("stage").asText()).append('=').append(s.path("durationMicros").asLong() / 1000)
                    .append("ms");
        }
        System.out.printf("LargeFileHeapTest: %s, %d bytes, -Xmx256m, %d ms, verdict %s;%s%n", file.getFileName(),
                Files.size(file), ms, report.path("verdict").asText(), stages);
        return report;
    }

    static JsonNode stage(JsonNode report, String name) {
        for (JsonNode s : report.path("stages")) {
            if (s.path("stage").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stage " + name + " in " + report);
    }

    /**
     * Writes the 8-byte length and a JSON header of {@value #TENSORS} F32 tensors padded by one
     * metadata string to about {@code target} bytes (a multiple of 8); returns the header length.
     */
    static long writeSafetensorsHeader(Path f, long target) throws IOException {
        StringBuilder tensors = new StringBuilder();
        for (int i = 0; i < TENSORS; i++) {
            tensors.append(",\"model.layers.").append(i).append(".mlp.weight\":{\"dtype\":\"F32\",\"shape\":[512,512],")
                    .append("\"data_offsets\":[").append(i * TENSOR_BYTES).append(',').append((i + 1) * TENSOR_BYTES)
                    .append("]}");
        }
        String head = "{\"__metadata__\":{\"format\":\"pt\",\"notes\":\"";
        String tail = "\"}" + tensors + "}";
        long fill = target - head.length() - tail.length();
        fill -= (head.length() + fill + tail.length()) % 8;
        long length = head.length() + fill + tail.length();
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
            o.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array());
            o.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] text = "a long model card, streamed and never held. ".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            for (long left = fill; left > 0; left -= text.length) {
                o.write(text, 0, (int) Math.min(text.length, left));
            }
            o.write(tail.getBytes(StandardCharsets.US_ASCII));
        }
        return length;
    }

    /**
     * Writes a GGUF v3 header: a tokenizer vocabulary of {@code tokens} strings, {@value #TENSORS}
     * F16 tensors of 512 x 1024, padded to the 32-byte alignment; returns where the data starts.
     */
    static long writeGgufHeader(Path f, int tokens) throws IOException {
        try (Le o = new Le(new BufferedOutputStream(Files.newOutputStream(f), 1 << 16))) {
            o.raw("GGUF").u32(3).u64(TENSORS).u64(2);
            o.str("general.architecture").u32(8).str("llama");
            o.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(tokens);
            for (int i = 0; i < tokens; i++) {
                o.str("token_" + i);
            }
            for (int i = 0; i < TENSORS; i++) {
                o.str("blk." + i + ".ffn.weight").u32(2).u64(1024).u64(512).u32(1).u64(i * TENSOR_BYTES);
            }
            while (o.written % 32 != 0) {
                o.out.write(0);
                o.written++;
            }
            return o.written;
        }
    }

    /** Little-endian writer counting its bytes. */
    static final class Le implements AutoCloseable {
        final OutputStream out;
        long written;

        Le(OutputStream out) {
            this.out = out;
        }

        Le raw(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b);
            written += b.length;
            return this;
        }

        Le u32(long v) throws IOException {
            for (int i = 0; i < 4; i++) {
                out.write((int) (v >>> (8 * i)));
            }
            written += 4;
            return this;
        }

        Le u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) {
                out.write((int) (v >>> (8 * i)));
            }
            written += 8;
            return this;
        }

        Le str(String s) throws IOException {
            return u64(s.getBytes(StandardCharsets.UTF_8).length).raw(s);
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
