package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes protobuf wire format by hand: varint fields, length-delimited fields, raw tags. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        rawVarint((long) field << 3);
        rawVarint(value);
        return this;
    }

    ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter bytes(int field, byte[] b) {
        rawVarint((long) field << 3 | 2);
        rawVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.bytes());
    }

    /** A length-delimited field that declares {@code declared} bytes but carries none. */
    ProtoWriter lying(int field, long declared) {
        rawVarint((long) field << 3 | 2);
        rawVarint(declared);
        return this;
    }

    ProtoWriter rawVarint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
