package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import io.airlock.fixtures.ProtoWriter;
import io.airlock.fixtures.Samples;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.airlock.scanner.engine.OnnxExternalDataTest.function;
import static io.airlock.scanner.engine.OnnxExternalDataTest.modelOf;
import static io.airlock.scanner.engine.OnnxExternalDataTest.node;
import static io.airlock.scanner.engine.OnnxExternalDataTest.opset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A single ONNX file at the format gate: walked whole, tensor bytes stepped over, for operators
 * that need a custom-op library and for external data a runtime would read beside it.
 */
class OnnxGateTest {
    @TempDir
    Path dir;

    ScanReport scan(byte[] model) throws IOException {
        Path f = Files.write(dir.resolve("model.onnx"), model);
        return new ScanEngine().scan(f, Kind.MODEL);
    }

    static StageResult gate(ScanReport r) {
        return r.stage(ScanEngine.FORMAT_GATE).orElseThrow();
    }

    /** A model whose one initializer keeps its data in {@code location}, with these extra external_data entries. */
    static byte[] external(String location, String... keyValues) {
        ProtoWriter t = new ProtoWriter().varint(1, 4).varint(2, 1).string(8, "w")
                .message(13, new ProtoWriter().string(1, "location").string(2, location));
        for (int i = 0; i < keyValues.length; i += 2) {
            t.message(13, new ProtoWriter().string(1, keyValues[i]).string(2, keyValues[i + 1]));
        }
        return OnnxExternalDataTest.model(new ProtoWriter().message(5, t.varint(14, 1)));
    }

    @Test
    void aSelfContainedModelPassesWithNothingToSay() throws IOException {
        ScanReport r = scan(Samples.onnx());
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        assertThat(gate(r).findings()).isEmpty();
        assertThat(gate(r).details()).containsEntry("onnx.nodes", "1").containsEntry("onnx.externalTensors", "0")
                .containsEntry("onnx.customOperators", "0");
    }

    static Stream<Arguments> customDomains() {
        return Stream.of(
                arguments("graph node", modelOf(node("", "Relu"), node("com.evil", "Exec")), "com.evil", "Exec"),
                arguments("onnxruntime-extensions operator", modelOf(List.of(node("ai.onnx.contrib", "GaussianBlur")),
                        List.of(opset("ai.onnx.contrib", 1))), "ai.onnx.contrib", "GaussianBlur"),
                arguments("body of a local function", modelOf(List.of(node("local.fn", "Block")), List.of(opset("local.fn", 1)),
                        function("local.fn", "Block", node("com.evil", "Exec"))), "com.evil", "Exec"),
                arguments("opset import alone", modelOf(List.of(node("", "Relu")), List.of(opset("com.evil", 1))),
                        "com.evil", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("customDomains")
    void operatorsFromCustomDomainsAreReportedAsMedium(String name, byte[] model, String domain, String opType)
            throws IOException {
        ScanReport r = scan(model);
        // MEDIUM: loading needs native code from elsewhere, which is the deployer's to provide, not the model's
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        List<Finding> custom = gate(r).findings().stream().filter(f -> f.rule().equals("onnx.custom_domain")).toList();
        assertThat(custom).hasSize(1);
        assertThat(custom.get(0).severity()).isEqualTo(Severity.MEDIUM);
        assertThat(custom.get(0).message()).contains("domain '" + domain + "'")
                .contains(opType.isEmpty() ? "opset import" : "operator '" + opType + "'");
    }

    static Stream<Arguments> notCustom() {
        return Stream.of(
                arguments("the five standard domains", modelOf(node("", "Relu"), node("ai.onnx", "Relu"),
                        node("ai.onnx.ml", "LinearClassifier"), node("ai.onnx.preview.training", "Adam"),
                        node("com.microsoft", "Gelu"))),
                arguments("a call to a model-local function", modelOf(List.of(node("local.fn", "Block")),
                        List.of(opset("local.fn", 1)), function("local.fn", "Block", node("", "Relu")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notCustom")
    void standardDomainsAndLocalFunctionsAreNotCustom(String name, byte[] model) throws IOException {
        ScanReport r = scan(model);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        assertThat(gate(r).findings()).isEmpty();
    }

    static Stream<Arguments> locations() {
        return Stream.of(
                arguments("relative, beside the model", external("weights.bin", "length", "16"),
                        "onnx.external_data_unchecked", ScanVerdict.PASS),
                arguments("relative, in a subfolder", external("data/weights.bin", "offset", "0", "length", "16"),
                        "onnx.external_data_unchecked", ScanVerdict.PASS),
                arguments("absolute", external("/etc/passwd"), "onnx.external_data_path", ScanVerdict.REJECT),
                arguments("climbing out", external("../../home/user/.ssh/id_rsa"), "onnx.external_data_path", ScanVerdict.REJECT),
                arguments("climbing back in", external("data/../weights.bin"), "onnx.external_data_path", ScanVerdict.REJECT),
                arguments("Windows drive", external("C:\\Windows\\win.ini"), "onnx.external_data_path", ScanVerdict.REJECT),
                arguments("ONNX Runtime's memory tag", external("*/_ORT_MEM_ADDR_/*", "offset", "4096", "length", "64"),
                        "onnx.external_data_path", ScanVerdict.REJECT),
                arguments("no location", OnnxExternalDataTest.model(new ProtoWriter().message(5,
                        new ProtoWriter().string(8, "w").varint(14, 1))), "onnx.external_data_path", ScanVerdict.REJECT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("locations")
    void externalDataOfAModelAloneIsJudgedByItsLocation(String name, byte[] model, String rule, ScanVerdict verdict)
            throws IOException {
        ScanReport r = scan(model);
        assertThat(r.verdict()).as(gate(r).findings().toString()).isEqualTo(verdict);
        assertThat(gate(r).findings()).extracting(Finding::rule).containsExactly(rule);
        assertThat(gate(r).findings().get(0).location()).isEqualTo("tensor 'w'");
    }

    static Stream<Arguments> numbers() {
        return Stream.of(
                arguments("offset", "-1"), arguments("offset", "+8"), arguments("offset", " 8"), arguments("offset", "0x10"),
                arguments("offset", "1_000"), arguments("offset", "\u0663"), arguments("offset", ""),
                arguments("length", "1e3"), arguments("length", "99999999999999999999"), arguments("length", "16 "));
    }

    @ParameterizedTest(name = "{0} ''{1}''")
    @MethodSource("numbers")
    void offsetsAndLengthsMustBePlainDecimals(String key, String value) throws IOException {
        ScanReport r = scan(external("weights.bin", key, value));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(gate(r).findings()).extracting(Finding::rule).contains("onnx.external_data_range");
    }

    static Stream<Arguments> unwalkable() {
        ProtoWriter g = new ProtoWriter().string(2, "leaf");
        for (int i = 0; i < 40; i++) {
            g = new ProtoWriter().message(1, new ProtoWriter().string(4, "If")
                    .message(5, OnnxExternalDataTest.attribute(6, g)));
        }
        return Stream.of(
                // the sniffer reads the top level only: these were ONNX, and passed, before the walk
                arguments("a node that claims more bytes than its graph", new ProtoWriter().varint(1, 8)
                        .bytes(7, new byte[]{0x0a, 100, 0, 0}).message(8, opset("", 13)).bytes(), "declares 100 bytes"),
                arguments("subgraphs nested 40 deep", OnnxExternalDataTest.model(g), "nested deeper"),
                arguments("an operator name of 5,000 bytes", modelOf(node("com.evil", "X".repeat(5000))), "over the bound"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unwalkable")
    void aModelThatCannotBeWalkedWholeIsRejected(String name, byte[] model, String why) throws IOException {
        ScanReport r = scan(model);
        assertThat(r.format()).isEqualTo(Format.ONNX);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(gate(r).findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("onnx.malformed");
            assertThat(f.message()).contains(why);
        });
    }
}
