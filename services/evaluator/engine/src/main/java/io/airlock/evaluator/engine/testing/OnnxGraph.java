package io.airlock.evaluator.engine.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small builder of ONNX graphs in protobuf wire format, for test models (decoders with and
 * without a key/value cache). Default-domain opset {@value OnnxModels#OPSET}; a negative
 * dimension in a value's shape is written as the symbolic name given in {@link #dims}.
 */
public final class OnnxGraph {
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;

    private final ProtoWriter graph = new ProtoWriter();
    private int nodes;

    public OnnxGraph(String name) {
        graph.string(2, name);
    }

    /** A node; attributes from {@link #ints}, {@link #intAttr}, {@link #floatAttr}. */
    public OnnxGraph node(String op, String[] inputs, String[] outputs, ProtoWriter... attributes) {
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) {
            n.string(1, in);
        }
        for (String out : outputs) {
            n.string(2, out);
        }
        n.string(3, op.toLowerCase() + "_" + nodes++).string(4, op);
        for (ProtoWriter a : attributes) {
            n.message(5, a);
        }
        graph.message(1, n);
        return this;
    }

    public OnnxGraph node(String op, String input, String output, ProtoWriter... attributes) {
        return node(op, new String[]{input}, new String[]{output}, attributes);
    }

    public OnnxGraph node(String op, String a, String b, String output, ProtoWriter... attributes) {
        return node(op, new String[]{a, b}, new String[]{output}, attributes);
    }

    public static ProtoWriter intAttr(String name, long v) {
        return new ProtoWriter().string(1, name).varint(3, v).varint(20, 2);
    }

    public static ProtoWriter floatAttr(String name, float v) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v);
        ProtoWriter w = new ProtoWriter().string(1, name);
        w.fixed32(2, b.getInt(0));
        return w.varint(20, 1);
    }

    public static ProtoWriter ints(String name, long... v) {
        ProtoWriter w = new ProtoWriter().string(1, name);
        for (long x : v) {
            w.varint(8, x);
        }
        return w.varint(20, 7);
    }

    /** A float initializer with the given dimensions, row-major. */
    public OnnxGraph floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return initializer(name, FLOAT, raw.array(), dims);
    }

    /** An int64 initializer; no dimensions makes a scalar. */
    public OnnxGraph longs(String name, long[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return initializer(name, INT64, raw.array(), dims);
    }

    private OnnxGraph initializer(String name, int type, byte[] raw, long... dims) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, type).string(8, name).bytes(9, raw);
        graph.message(5, t);
        return this;
    }

    public OnnxGraph input(String name, int type, Object... dims) {
        graph.message(11, value(name, type, dims));
        return this;
    }

    public OnnxGraph output(String name, int type, Object... dims) {
        graph.message(12, value(name, type, dims));
        return this;
    }

    /** Dimensions: a Long/Integer is fixed, a String is symbolic. */
    public static Object[] dims(Object... d) {
        return d;
    }

    private static ProtoWriter value(String name, int type, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            shape.message(1, d instanceof String s ? new ProtoWriter().string(2, s)
                    : new ProtoWriter().varint(1, ((Number) d).longValue()));
        }
        ProtoWriter tensor = new ProtoWriter().varint(1, type).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }

    /** The ModelProto bytes. */
    public byte[] model() {
        return new ProtoWriter().varint(1, OnnxModels.IR_VERSION).string(2, "airlock-fixtures").string(3, "1")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OnnxModels.OPSET))
                .toByteArray();
    }
}
