package io.airlock.scanner.engine.format;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds GGUF files byte by byte for the tests, honest by default, with a knob for each lie a
 * hostile file tells (counts, offsets, types, alignment). Tensor data is zeros.
 */
final class GgufBuilder {
    private int version = 3;
    private Long tensorCountOverride;
    private Long kvCountOverride;
    private long alignment = 32;
    private final List<byte[]> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private long trailing;
    private boolean padLast = true;
    private Long cutAt;

    record Tensor(byte[] name, long[] dims, int type, long bytes, Long offsetOverride) {
    }

    GgufBuilder version(int v) {
        version = v;
        return this;
    }

    GgufBuilder tensorCount(long n) {
        tensorCountOverride = n;
        return this;
    }

    GgufBuilder kvCount(long n) {
        kvCountOverride = n;
        return this;
    }

    GgufBuilder alignment(long a) {
        alignment = a;
        return u32("general.alignment", a);
    }

    GgufBuilder string(String key, String value) {
        Out o = new Out().str(key).u32(8).str(value);
        kvs.add(o.bytes());
        return this;
    }

    GgufBuilder u32(String key, long value) {
        kvs.add(new Out().str(key).u32(4).u32(value).bytes());
        return this;
    }

    /** A raw pair: key, type code, then the value bytes as given. */
    GgufBuilder raw(String key, int type, byte[] value) {
        kvs.add(new Out().str(key).u32(type).raw(value).bytes());
        return this;
    }

    /** A raw pair with the key's bytes as given. */
    GgufBuilder rawPair(byte[] key, int type, byte[] value) {
        kvs.add(new Out().u64(key.length).raw(key).u32(type).raw(value).bytes());
        return this;
    }

    GgufBuilder stringArray(String key, String... values) {
        Out o = new Out().str(key).u32(9).u32(8).u64(values.length);
        for (String v : values) {
            o.str(v);
        }
        kvs.add(o.bytes());
        return this;
    }

    /** An F32 tensor with these dims; its offset follows the running padded size. */
    GgufBuilder f32(String name, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return tensor(name.getBytes(StandardCharsets.UTF_8), 0, n * 4, null, dims);
    }

    GgufBuilder tensor(byte[] name, int type, long bytes, Long offset, long... dims) {
        tensors.add(new Tensor(name, dims, type, bytes, offset));
        return this;
    }

    GgufBuilder trailing(long n) {
        trailing = n;
        return this;
    }

    GgufBuilder noPaddingAfterLast() {
        padLast = false;
        return this;
    }

    GgufBuilder cut(long at) {
        cutAt = at;
        return this;
    }

    byte[] bytes() {
        Out o = new Out().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version)
                .u64(tensorCountOverride != null ? tensorCountOverride : tensors.size())
                .u64(kvCountOverride != null ? kvCountOverride : kvs.size());
        kvs.forEach(o::raw);
        long running = 0;
        for (Tensor t : tensors) {
            o.u64(t.name.length).raw(t.name).u32(t.dims.length);
            for (long d : t.dims) {
                o.u64(d);
            }
            o.u32(t.type).u64(t.offsetOverride != null ? t.offsetOverride : running);
            running += pad(t.bytes, alignment);
        }
        int headerEnd = o.size();
        o.raw(new byte[(int) (pad(headerEnd, alignment) - headerEnd)]);
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long len = i == tensors.size() - 1 && !padLast ? t.bytes : pad(t.bytes, alignment);
            o.raw(new byte[(int) len]);
        }
        o.raw(new byte[(int) trailing]);
        byte[] b = o.bytes();
        return cutAt == null ? b : java.util.Arrays.copyOf(b, (int) (long) cutAt);
    }

    static long pad(long x, long a) {
        return a <= 0 ? x : (x + a - 1) / a * a;
    }

    /** Little-endian writer. */
    static final class Out {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Out u32(long v) {
            for (int i = 0; i < 4; i++) {
                b.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Out u64(long v) {
            for (int i = 0; i < 8; i++) {
                b.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Out str(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            return u64(x.length).raw(x);
        }

        Out raw(byte[] x) {
            b.writeBytes(x);
            return this;
        }

        int size() {
            return b.size();
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }
}
