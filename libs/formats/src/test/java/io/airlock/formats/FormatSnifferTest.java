package io.airlock.formats;

import io.airlock.fixtures.ProtoWriter;

import io.airlock.fixtures.Samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.airlock.fixtures.Samples.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class FormatSnifferTest {
    @TempDir
    Path dir;

    static Stream<Arguments> samples() {
        byte[] onnx = onnx();
        return Stream.of(
                arguments("gguf v3", gguf(3), Format.GGUF, "magic 'GGUF' v3 at offset 0"),
                arguments("gguf v2", gguf(2), Format.GGUF, "v2"),
                arguments("gguf magic only", ascii("GGUF"), Format.GGUF, "version cut off"),
                arguments("safetensors", safetensors(), Format.SAFETENSORS, "JSON '{' at offset 8"),
                arguments("onnx", onnx, Format.ONNX, "ir_version 8, opset_import ai.onnx v13"),
                arguments("pickle proto 2", pickleProto2(), Format.PICKLE, "PROTO 2"),
                arguments("pickle proto 4 with FRAME and REDUCE", pickleProto4Reduce(), Format.PICKLE, "PROTO 4"),
                // hostile: protocol 0 is printable ASCII; it must not pass for text
                arguments("pickle proto 0 calling os.system", pickleProto0(), Format.PICKLE, "without PROTO"),
                arguments("pickle proto 0, broken after the call", pickleProto0BrokenTail(), Format.PICKLE,
                        "1 call(s) before it breaks"),
                arguments("torch legacy", torchLegacy(), Format.PYTORCH_LEGACY, "legacy magic"),
                arguments("joblib", joblib(), Format.JOBLIB, "joblib.numpy_pickle"),
                arguments("pytorch zip", pytorchZip(), Format.PYTORCH_ZIP, "'archive/data.pkl' marks a PyTorch"),
                arguments("torchscript zip", zip("m/code/m.py", "m/constants.pkl"), Format.PYTORCH_ZIP, "constants.pkl"),
                arguments("npz", zip("a.npy", "b.npy"), Format.NUMPY_ZIP, "every member is a .npy"),
                // hostile: a pickle member hidden among arrays makes it a PyTorch archive, not an npz
                arguments("npz with a data.pkl", zip("a.npy", "b.npy", "x/data.pkl"), Format.PYTORCH_ZIP, "x/data.pkl"),
                arguments("keras", zip("metadata.json", "config.json", "model.weights.h5"), Format.KERAS, "Keras"),
                arguments("keras without metadata.json", zip("config.json", "model.weights.h5"), Format.KERAS, "Keras"),
                // hostile: Keras reads config.json first, so a config alone is a Keras archive
                arguments("keras config.json alone", zip("config.json"), Format.KERAS, "only Keras archive members"),
                arguments("keras with assets", zip("config.json", "assets/vocab.txt"), Format.KERAS, "only Keras archive members"),
                arguments("config.json beside other files", zip("config.json", "tokenizer.json"), Format.ZIP, "no PyTorch"),
                arguments("plain zip", zip("readme.txt"), Format.ZIP, "no PyTorch, NumPy or Keras layout"),
                arguments("empty zip", zip(), Format.ZIP, "no members"),
                // hostile: bytes before the first entry; zip readers still find the archive by its tail
                arguments("pytorch zip behind a prefix", concat(random(4096, 7), pytorchZip()), Format.PYTORCH_ZIP,
                        "4096 bytes of other data before the first entry"),
                arguments("pickle with a zip appended", concat(pickleProto2(), zip("a.npy")), Format.PICKLE,
                        "tail also holds a zip"),
                arguments("zip whose directory lies", lyingZip(), Format.ZIP, "central directory unreadable"),
                arguments("jinja chat template", ascii("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% endfor %}"),
                        Format.CHAT_TEMPLATE, "Jinja tags"),
                arguments("tokenizer_config.json with a chat_template", ascii("{\"model_max_length\": 8, \"chat_template\":"
                        + " \"{{ bos_token }}\"}"), Format.CHAT_TEMPLATE, "chat_template"),
                arguments("other JSON holding braces", ascii("{\"vocab\": {\"{{\": 1}}"), Format.UNKNOWN, ""),
                arguments("npy", npy(), Format.NUMPY, "v1.0"),
                arguments("hdf5", hdf5(0), Format.HDF5, "offset 0"),
                arguments("hdf5 after a user block", hdf5(512), Format.HDF5, "offset 512"),
                arguments("tar", tar(), Format.TAR, "checksum valid"),
                arguments("gzip", gzip(pickleProto2()), Format.GZIP, "1f8b"),
                arguments("python kernel", python(), Format.PYTHON_SOURCE, "line 1: 'import torch'"),
                arguments("CUDA kernel source", ascii("// vector add\n#include <cuda_runtime.h>\n__global__ void add(float* a) {}\n"),
                        Format.NATIVE_SOURCE, "'#include <' at line 2"),
                arguments("C++ header", ascii("#pragma once\nint f();\n"), Format.NATIVE_SOURCE, "#pragma once"),
                arguments("python with CRLF", ascii("x = 1\r\ndef f(a):\r\n    return a\r\n"), Format.PYTHON_SOURCE, "line 2"),
                arguments("python shebang", ascii("#!/usr/bin/env python3\nprint(1)\n"), Format.PYTHON_SOURCE, "shebang"),
                arguments("python, UTF-8 comment", "# résumé ✓\nimport os\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        Format.PYTHON_SOURCE, "import os"),
                arguments("python with a NUL", concat(python(), new byte[]{0}), Format.UNKNOWN, "no known signature"),
                arguments("python, invalid UTF-8", concat(python(), new byte[]{(byte) 0xc3, 0x28}), Format.UNKNOWN,
                        "no known signature"),
                arguments("english text", ascii("The quick brown fox.\nNothing to see.\n"), Format.UNKNOWN,
                        "without any Python statement"),
                arguments("empty", new byte[0], Format.UNKNOWN, "empty file"),
                arguments("random", random(8192, 1), Format.UNKNOWN, "first bytes fe"),
                // bounded parsing: lengths that point past the end are never followed
                arguments("safetensors header past the end", concat(le64(1000), ascii("{\"a\":1}")), Format.UNKNOWN, ""),
                arguments("safetensors header length 2^63", concat(le64(Long.MIN_VALUE), ascii("{\"a\":1}")), Format.UNKNOWN, ""),
                arguments("onnx graph length lies", new ProtoWriter().varint(1, 8).lying(7, 1L << 40).bytes(), Format.UNKNOWN,
                        "declares 1099511627776 bytes"),
                arguments("onnx varint that never ends", concat(new byte[]{0x08}, filled(20, (byte) 0xff)), Format.UNKNOWN,
                        "starts like an ONNX ModelProto"),
                arguments("onnx ir_version absurd", onnx(1L << 40, 13), Format.UNKNOWN, "ir_version 1099511627776 is out of range"),
                arguments("onnx without a graph", new ProtoWriter().varint(1, 8).string(2, "x").bytes(), Format.UNKNOWN, "no graph"),
                arguments("onnx cut in half", Arrays.copyOf(onnx, onnx.length / 2), Format.UNKNOWN, "starts like an ONNX"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void sniffsByContent(String name, byte[] bytes, Format expected, String evidence) throws IOException {
        // the file name lies on purpose: only content may decide
        Path file = Files.write(dir.resolve("model.safetensors"), bytes);
        Sniff fromFile = FormatSniffer.sniff(file);
        assertThat(fromFile.format()).as(fromFile.evidence()).isEqualTo(expected);
        assertThat(fromFile.evidence()).contains(evidence);
        Sniff fromBytes = FormatSniffer.sniff(bytes, bytes.length);
        assertThat(fromBytes).isEqualTo(fromFile);
    }

    @Test
    void aHeadAloneNamesZipMembersFromLocalHeaders() {
        byte[] zip = pytorchZip();
        Sniff s = FormatSniffer.sniff(Arrays.copyOf(zip, 80), zip.length);
        assertThat(s.format()).isEqualTo(Format.PYTORCH_ZIP);
        assertThat(s.evidence()).contains("from local headers in the first 80 bytes");
    }

    @Test
    void aHeadAloneStillSeesOnnxWhoseGraphRunsPastIt() {
        byte[] onnx = onnx();
        Sniff s = FormatSniffer.sniff(Arrays.copyOf(onnx, 30), onnx.length);
        assertThat(s.format()).isEqualTo(Format.ONNX);
    }

    @Test
    void aHugeSparseFileIsSniffedFromItsHeadOnly() throws IOException {
        Path big = dir.resolve("big.gguf");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.write(gguf(3));
            f.setLength(3L << 30);
        }
        long t0 = System.nanoTime();
        Sniff s = FormatSniffer.sniff(big);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(s.format()).isEqualTo(Format.GGUF);
        assertThat(ms).as("a 3 GiB file must not be read whole").isLessThan(500);
    }

    @Test
    void zipNameReadingStopsAtTheBudget() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (int i = 0; i < 3000; i++) {
                z.putNextEntry(new ZipEntry("a" + i + ".npy"));
                z.closeEntry();
            }
        }
        Path file = Files.write(dir.resolve("many.npz"), out.toByteArray());
        Sniff s = FormatSniffer.sniff(file, new SniffLimits(4096, 1 << 20, 100, 100));
        assertThat(s.evidence()).contains("3000 members").contains("names read: 100");
        assertThat(FormatSniffer.sniff(file).evidence()).doesNotContain("names read");
    }

    /** A local header at 0 and an end record that declares a directory bigger than the file. */
    static byte[] lyingZip() {
        byte[] zip = zip("a.txt");
        int eocd = zip.length - 22;
        byte[] bad = zip.clone();
        System.arraycopy(le32(0x7fffff00L), 0, bad, eocd + 12, 4);
        return bad;
    }

    static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
