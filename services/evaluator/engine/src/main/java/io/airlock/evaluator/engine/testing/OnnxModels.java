package io.airlock.evaluator.engine.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Small, real ONNX models built byte by byte, for tests (unit and end-to-end). Each is a
 * {@code ModelProto} with ir_version 8 and the default-domain opset 13 unless said otherwise.
 * Shipped in main sources so other modules' tests can use them; nothing in Airlock's own paths
 * calls this class.
 */
public final class OnnxModels {
    public static final long IR_VERSION = 8;
    public static final long OPSET = 13;
    /** TensorProto.DataType FLOAT. */
    static final int FLOAT = 1;

    private OnnxModels() {
    }

    /** {@code y = Identity(x)}, x and y float[1,4]. */
    public static byte[] identityModel() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Identity", "", "y", "x"))
                .string(2, "identity")
                .message(11, value("x", 1, 4))
                .message(12, value("y", 1, 4));
        return model(graph, "");
    }

    /** {@code c = Add(a, b)}, all float[N,2] with a symbolic batch dimension N. */
    public static byte[] addModel() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Add", "", "c", "a", "b"))
                .string(2, "add")
                .message(11, value("a", -1, 2))
                .message(11, value("b", -1, 2))
                .message(12, value("c", -1, 2));
        return model(graph, "");
    }

    /** Identity plus a node of an operator from a domain no runtime knows: needs a custom op library. */
    public static byte[] customOpModel() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Backdoor", "com.attacker", "y", "x"))
                .string(2, "custom")
                .message(11, value("x", 1, 4))
                .message(12, value("y", 1, 4));
        return model(graph, "com.attacker");
    }

    /**
     * {@code y = Add(x, w)} where the initializer w (float[4]) lives in an external file at
     * {@code location}, relative to the model's folder: a model can make its loader read any file it names.
     */
    public static byte[] externalDataModel(String location) {
        ProtoWriter w = new ProtoWriter().varint(1, 4).varint(2, FLOAT).string(8, "w")
                .message(13, new ProtoWriter().string(1, "location").string(2, location))
                .message(13, new ProtoWriter().string(1, "offset").string(2, "0"))
                .message(13, new ProtoWriter().string(1, "length").string(2, "16"))
                .varint(14, 1);
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Add", "", "y", "x", "w"))
                .string(2, "external")
                .message(5, w)
                .message(11, value("x", 4))
                .message(12, value("y", 4));
        return model(graph, "");
    }

    /** {@code y = Add(x, w)} with w = [1, 2, 3, 4] stored inline as raw data. */
    public static byte[] addConstantModel() {
        ByteBuffer raw = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 1; i <= 4; i++) {
            raw.putFloat(i);
        }
        ProtoWriter w = new ProtoWriter().varint(1, 4).varint(2, FLOAT).string(8, "w").bytes(9, raw.array());
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Add", "", "y", "x", "w"))
                .string(2, "add_constant")
                .message(5, w)
                .message(11, value("x", 4))
                .message(12, value("y", 4));
        return model(graph, "");
    }

    private static byte[] model(ProtoWriter graph, String extraDomain) {
        ProtoWriter m = new ProtoWriter().varint(1, IR_VERSION).string(2, "airlock-fixtures").string(3, "1")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
        if (!extraDomain.isEmpty()) {
            m.message(8, new ProtoWriter().string(1, extraDomain).varint(2, 1));
        }
        return m.toByteArray();
    }

    private static ProtoWriter node(String op, String domain, String output, String... inputs) {
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) {
            n.string(1, in);
        }
        n.string(2, output).string(3, op.toLowerCase() + "_0").string(4, op);
        if (!domain.isEmpty()) {
            n.string(7, domain);
        }
        return n;
    }

    /** A float tensor ValueInfoProto; a negative dimension is written as the symbolic "N". */
    private static ProtoWriter value(String name, long... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) {
            shape.message(1, d < 0 ? new ProtoWriter().string(2, "N") : new ProtoWriter().varint(1, d));
        }
        ProtoWriter tensor = new ProtoWriter().varint(1, FLOAT).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }
}
