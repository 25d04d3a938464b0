package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Artifacts built byte by byte for the tests: benign ones and hostile ones. Nothing here is ever executed. */
public final class Samples {
    private Samples() {
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

    static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** GGUF header: magic, version, tensor count 0, kv count 0. */
    static byte[] gguf(int version) {
        return concat(ascii("GGUF"), le32(version), le64(0), le64(0));
    }

    /** A safetensors file with one F32 tensor of one element. */
    static byte[] safetensors() {
        byte[] header = ascii("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  ");
        return concat(le64(header.length), header, new byte[4]);
    }

    /** A minimal ONNX ModelProto: ir_version 8, producer, one Identity node graph, opset 13. */
    static byte[] onnx() {
        return onnx(8, 13);
    }

    static byte[] onnx(long irVersion, long opset) {
        ProtoWriter type = new ProtoWriter().message(1, new ProtoWriter().varint(1, 1)
                .message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, 1))));
        ProtoWriter graph = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "x").string(2, "y").string(4, "Identity"))
                .string(2, "g")
                .message(11, new ProtoWriter().string(1, "x").message(2, type))
                .message(12, new ProtoWriter().string(1, "y").message(2, type));
        return new ProtoWriter().varint(1, irVersion).string(2, "airlock-tests")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, opset))
                .bytes();
    }

    /** Protocol 2 pickle of the int 1. */
    static byte[] pickleProto2() {
        return new byte[]{(byte) 0x80, 0x02, 'K', 0x01, '.'};
    }

    /** Protocol 4 pickle that calls os.system: PROTO 4, FRAME, STACK_GLOBAL, REDUCE. Never loaded. */
    static byte[] pickleProto4Reduce() {
        byte[] body = concat(new byte[]{(byte) 0x8c, 2}, ascii("os"), new byte[]{(byte) 0x94, (byte) 0x8c, 6},
                ascii("system"), new byte[]{(byte) 0x94, (byte) 0x93, (byte) 0x94, (byte) 0x8c, 2}, ascii("id"),
                new byte[]{(byte) 0x94, (byte) 0x85, (byte) 0x94, 'R', (byte) 0x94, '.'});
        return concat(new byte[]{(byte) 0x80, 4, (byte) 0x95}, le64(body.length), body);
    }

    /** Protocol 0 pickle calling os.system: all printable ASCII, so it must not pass for text. */
    static byte[] pickleProto0() {
        return ascii("cos\nsystem\n(S'echo pwned'\ntR.");
    }

    /** Protocol 0 payload whose stream breaks after the call: the call has already run by then. */
    static byte[] pickleProto0BrokenTail() {
        return concat(ascii("cos\nsystem\n(S'echo pwned'\ntR"), new byte[]{(byte) 0xff, (byte) 0xfe, 0x00});
    }

    /** torch.save legacy: magic-number pickle, then protocol version 1001. */
    static byte[] torchLegacy() {
        return concat(new byte[]{(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
                (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e}, new byte[]{(byte) 0x80, 2, 'M', (byte) 0xe9, 0x03, '.'});
    }

    /** A joblib dump's opening: a pickle naming joblib's array wrapper. */
    static byte[] joblib() {
        return concat(new byte[]{(byte) 0x80, 4, (byte) 0x8c, 19}, ascii("joblib.numpy_pickle"),
                new byte[]{(byte) 0x8c, 17}, ascii("NumpyArrayWrapper"), new byte[]{(byte) 0x93, ')', (byte) 0x81, '.'});
    }

    static byte[] zip(String... names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (String n : names) {
                z.putNextEntry(new ZipEntry(n));
                z.write(n.endsWith(".pkl") ? pickleProto2() : ascii("content of " + n));
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] pytorchZip() {
        return zip("archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/version");
    }

    static byte[] npy() {
        byte[] dict = ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }");
        byte[] header = Arrays.copyOf(dict, 118);
        Arrays.fill(header, dict.length, 117, (byte) ' ');
        header[117] = '\n';
        return concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, new byte[]{118, 0}, header, new byte[4]);
    }

    static byte[] hdf5(int at) {
        byte[] b = new byte[at + 64];
        System.arraycopy(new byte[]{(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, 0, b, at, 8);
        return b;
    }

    /** A one-file ustar archive with a correct header checksum. */
    static byte[] tar() {
        byte[] h = new byte[512];
        put(h, 0, "hello.txt");
        put(h, 100, "0000644");
        put(h, 124, "00000000005");
        put(h, 257, "ustar");
        put(h, 263, "00");
        h[156] = '0';
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        byte[] data = Arrays.copyOf(ascii("hello"), 512);
        return concat(h, data, new byte[1024]);
    }

    private static void put(byte[] b, int at, String s) {
        byte[] a = ascii(s);
        System.arraycopy(a, 0, b, at, a.length);
    }

    /** One zlib stream (header 0x78), as joblib.dump(compress=3) writes it. */
    public static byte[] zlib(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(out)) {
            z.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static final String KERNEL = """
            import torch
            from task import input_t, output_t

            def custom_kernel(data: input_t) -> output_t:
                a, b = data
                return a @ b
            """;

    static byte[] python() {
        return KERNEL.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        // make sure no signature matches by chance at offset 0
        b[0] = (byte) 0xfe;
        return b;
    }
}
