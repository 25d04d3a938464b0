package io.airlock.scanner.engine;

import io.airlock.fixtures.ProtoWriter;
import io.airlock.fixtures.Samples;

import io.airlock.formats.ByteSource;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxExternalData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class OnnxExternalDataTest {

    static ProtoWriter externalTensor(String name, String location) {
        return new ProtoWriter().varint(1, 4).varint(2, 1).string(8, name)
                .message(13, new ProtoWriter().string(1, "location").string(2, location))
                .message(13, new ProtoWriter().string(1, "length").string(2, "16"))
                .varint(14, 1);
    }

    static byte[] model(ProtoWriter graph) {
        return new ProtoWriter().varint(1, 8).message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).bytes();
    }

    static ProtoWriter attribute(int field, ProtoWriter value) {
        return new ProtoWriter().string(1, "v").message(field, value);
    }

    /** A NodeProto x -> y: op_type (field 4) from domain (field 7, left out when ""). */
    static ProtoWriter node(String domain, String opType) {
        ProtoWriter n = new ProtoWriter().string(1, "x").string(2, "y").string(3, "n_" + opType).string(4, opType);
        return domain.isEmpty() ? n : n.string(7, domain);
    }

    static ProtoWriter opset(String domain, long version) {
        return new ProtoWriter().string(1, domain).varint(2, version);
    }

    /** A model-local FunctionProto: name (1), input (4), output (5), body nodes (7), opset imports (9), domain (10). */
    static ProtoWriter function(String domain, String name, ProtoWriter... body) {
        ProtoWriter f = new ProtoWriter().string(1, name).string(4, "x").string(5, "y");
        for (ProtoWriter n : body) {
            f.message(7, n);
        }
        return f.message(9, opset("", 13)).string(10, domain);
    }

    /** A model of one graph holding these nodes, importing ai.onnx 13 and the given opsets, with these local functions. */
    static byte[] modelOf(List<ProtoWriter> nodes, List<ProtoWriter> opsets, ProtoWriter... functions) {
        ProtoWriter g = new ProtoWriter();
        nodes.forEach(n -> g.message(1, n));
        ProtoWriter m = new ProtoWriter().varint(1, 8).message(7, g.string(2, "g")).message(8, opset("", 13));
        opsets.forEach(o -> m.message(8, o));
        for (ProtoWriter f : functions) {
            m.message(25, f);
        }
        return m.bytes();
    }

    static byte[] modelOf(ProtoWriter... nodes) {
        return modelOf(List.of(nodes), List.of());
    }

    static Stream<Arguments> models() {
        ProtoWriter ext = externalTensor("w", "weights.bin");
        ProtoWriter inner = new ProtoWriter().message(5, externalTensor("deep", "../../etc/passwd"));
        return Stream.of(
                arguments("plain model", Samples.onnx(), List.of()),
                arguments("initializer", model(new ProtoWriter().message(5, ext)), List.of("w@weights.bin")),
                arguments("only data_location set", model(new ProtoWriter().message(5,
                        new ProtoWriter().string(8, "x").varint(14, 1))), List.of("x@")),
                arguments("sparse initializer", model(new ProtoWriter().message(15,
                        new ProtoWriter().message(1, ext))), List.of("w@weights.bin")),
                arguments("Constant node attribute", model(new ProtoWriter().message(1,
                        new ProtoWriter().string(4, "Constant").message(5, attribute(5, ext)))), List.of("w@weights.bin")),
                arguments("subgraph of an If node", model(new ProtoWriter().message(1,
                        new ProtoWriter().string(4, "If").message(5, attribute(6, inner)))), List.of("deep@../../etc/passwd")),
                arguments("function body", new ProtoWriter().varint(1, 8).message(7, new ProtoWriter().string(2, "g"))
                        .message(25, new ProtoWriter().message(7, new ProtoWriter().string(4, "Constant")
                                .message(5, attribute(10, ext)))).bytes(), List.of("w@weights.bin")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void findsExternalDataWhereverATensorCanBe(String name, byte[] model, List<String> expected)
            throws IOException, MalformedException {
        List<OnnxExternalData.Ref> refs = OnnxExternalData.find(ByteSource.of(model), 10_000);
        assertThat(refs).extracting(r -> r.tensor() + "@" + r.location()).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> domains() {
        ProtoWriter custom = node("com.evil", "Exec");
        ProtoWriter ifNode = new ProtoWriter().string(4, "If").message(5, attribute(6, new ProtoWriter().message(1, custom)));
        return Stream.of(
                arguments("standard domains only", modelOf(node("", "Relu"), node("ai.onnx", "Relu"),
                        node("ai.onnx.ml", "TreeEnsembleClassifier"), node("ai.onnx.preview.training", "Adagrad"),
                        node("com.microsoft", "FusedMatMul")), List.of()),
                arguments("a graph node", modelOf(node("", "Relu"), custom, custom), List.of("com.evil::Exec x2")),
                arguments("a subgraph of an If node", modelOf(ifNode), List.of("com.evil::Exec x1")),
                arguments("a training graph", new ProtoWriter().varint(1, 8).message(7, new ProtoWriter().string(2, "g"))
                        .message(20, new ProtoWriter().message(2, new ProtoWriter().message(1, custom))).bytes(),
                        List.of("com.evil::Exec x1")),
                arguments("an opset import alone", modelOf(List.of(node("", "Relu")), List.of(opset("ai.onnx.contrib", 1))),
                        List.of("ai.onnx.contrib:: x1")),
                arguments("an opset import beside its operator", modelOf(List.of(custom), List.of(opset("com.evil", 1))),
                        List.of("com.evil::Exec x1")),
                arguments("a call to a local function", modelOf(List.of(node("local.fn", "Block")),
                        List.of(opset("local.fn", 1)), function("local.fn", "Block", node("", "Relu"))), List.of()),
                arguments("a local function's body", modelOf(List.of(node("local.fn", "Block")),
                        List.of(opset("local.fn", 1)), function("local.fn", "Block", custom)), List.of("com.evil::Exec x1")),
                arguments("a function calling one defined after it", modelOf(List.of(node("local.fn", "Outer")),
                        List.of(opset("local.fn", 1)), function("local.fn", "Outer", node("local.fn", "Inner")),
                        function("local.fn", "Inner", node("", "Relu"))), List.of()),
                arguments("a local function's name in another domain", modelOf(List.of(node("other.fn", "Block")),
                        List.of(), function("local.fn", "Block", node("", "Relu"))), List.of("other.fn::Block x1")),
                arguments("a call naming an overload the model does not define", modelOf(List.of(node("local.fn", "Block")
                        .string(8, "fast")), List.of(), function("local.fn", "Block", node("", "Relu"))),
                        List.of("local.fn::Block x1")),
                arguments("a domain that only looks standard", modelOf(node("ai.onnx ", "Relu"), node("AI.ONNX", "Relu")),
                        List.of("ai.onnx ::Relu x1", "AI.ONNX::Relu x1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("domains")
    void findsCustomDomainOperatorsWhereverANodeCanBe(String name, byte[] model, List<String> expected)
            throws IOException, MalformedException {
        OnnxExternalData.Model m = OnnxExternalData.walk(ByteSource.of(model), 10_000);
        assertThat(m.customOps()).extracting(o -> o.domain() + "::" + o.opType() + " x" + o.uses())
                .containsExactlyElementsOf(expected);
    }

    @Test
    void keepsOffsetAndLengthAsWritten() throws IOException, MalformedException {
        ProtoWriter t = new ProtoWriter().string(8, "w")
                .message(13, new ProtoWriter().string(1, "offset").string(2, "+8"))
                .message(13, new ProtoWriter().string(1, "location").string(2, "a.bin"))
                .message(13, new ProtoWriter().string(1, "location").string(2, "b.bin"))
                .varint(14, 1);
        OnnxExternalData.Ref r = OnnxExternalData.find(ByteSource.of(model(new ProtoWriter().message(5, t))), 1000).get(0);
        // a repeated key keeps its last value, as protobuf readers and the runtimes do
        assertThat(r.location()).isEqualTo("b.bin");
        assertThat(r.dataOffset()).contains("+8");
        assertThat(r.dataLength()).isEmpty();
    }

    @Test
    void identifiersOverTheBoundAreMalformedNotCut() {
        // cut at 4,096 bytes, two different long names would look the same
        byte[] m = modelOf(node("d".repeat(5000), "Op"));
        assertThatThrownBy(() -> OnnxExternalData.walk(ByteSource.of(m), 1000))
                .isInstanceOf(MalformedException.class).hasMessageContaining("over the bound of 4096");
    }

    @Test
    void aNestedLengthPastItsMessageIsMalformed() {
        // a graph of 4 bytes whose node claims 100
        byte[] bad = new ProtoWriter().varint(1, 8).bytes(7, new byte[]{0x0a, 100, 0, 0}).bytes();
        assertThatThrownBy(() -> OnnxExternalData.find(ByteSource.of(bad), 1000))
                .isInstanceOf(MalformedException.class).hasMessageContaining("declares 100 bytes");
    }

    @Test
    void nestingAndFieldCountAreBounded() {
        ProtoWriter g = new ProtoWriter().string(2, "leaf");
        for (int i = 0; i < 40; i++) {
            g = new ProtoWriter().message(1, new ProtoWriter().string(4, "If").message(5, attribute(6, g)));
        }
        byte[] deep = model(g);
        assertThatThrownBy(() -> OnnxExternalData.find(ByteSource.of(deep), 1_000_000))
                .isInstanceOf(MalformedException.class).hasMessageContaining("nested deeper");
        assertThatThrownBy(() -> OnnxExternalData.find(ByteSource.of(Samples.onnx()), 3))
                .isInstanceOf(MalformedException.class).hasMessageContaining("more than 3");
    }
}
