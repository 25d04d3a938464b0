package io.airlock.evaluator.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.fixtures.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EvaluatorTest {
    @TempDir
    Path dir;
    final Evaluator evaluator = new Evaluator();

    static Stream<Arguments> loadable() {
        return Stream.of(
                arguments("identity", OnnxModels.identityModel(), "x:FLOAT:[1,4]", "y:FLOAT:[1,4]"),
                arguments("add, symbolic batch", OnnxModels.addModel(), "a:FLOAT:[N,2]; b:FLOAT:[N,2]", "c:FLOAT:[N,2]"),
                arguments("add an inline constant", OnnxModels.addConstantModel(), "x:FLOAT:[4]", "y:FLOAT:[4]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadable")
    void aRealModelLoadsOnCpuAndSaysWhatItIs(String name, byte[] model, String inputs, String outputs) throws IOException {
        Path f = Files.write(dir.resolve("model.onnx"), model);
        EvalReport r = evaluator.evaluate(f, "onnx");
        assertThat(r.schemaVersion()).isEqualTo("airlock.eval/v1");
        assertThat(r.executionProvider()).isEqualTo("CPU");
        assertThat(r.gpu()).isEqualTo("unavailable (CPU build of onnxruntime)");
        StageResult load = r.stage("model_load").orElseThrow();
        assertThat(load.status()).isEqualTo(StageStatus.PASS);
        assertThat(load.details())
                .containsEntry("executionProvider", "CPU")
                .containsEntry("inputs", inputs)
                .containsEntry("outputs", outputs)
                .containsEntry("opset", "13")
                .containsEntry("irVersion", "8")
                .containsKey("loadMillis");
        // no-pretend: nothing behavioral ran, and the report says so
        StageResult behavioral = r.stage("behavioral_test").orElseThrow();
        assertThat(behavioral.status()).isEqualTo(StageStatus.NOT_RUN);
        assertThat(behavioral.details().get("reason")).startsWith("not a model package (model.onnx + tokenizer.json");
    }

    static Stream<Arguments> refused() {
        byte[] identity = OnnxModels.identityModel();
        return Stream.of(
                // no custom op library is registered, so an unknown operator cannot bring native code
                arguments("operator from an unknown domain", OnnxModels.customOpModel(), "eval.model_load_failed", "Backdoor"),
                arguments("cut in half", Arrays.copyOf(identity, identity.length / 2), "eval.model_load_failed", ""),
                arguments("a pickle called onnx", new byte[]{(byte) 0x80, 2, 'K', 1, '.'}, "eval.model_load_failed", ""),
                arguments("empty", new byte[0], "eval.model_load_failed", ""),
                // external data: a sibling file would load in ORT; the evaluator refuses it first
                arguments("external data beside the model", OnnxModels.externalDataModel("w.bin"), "eval.external_data",
                        "tensor 'w' -> 'w.bin'"),
                arguments("external data escaping the folder", OnnxModels.externalDataModel("../w.bin"),
                        "eval.external_data", "../w.bin"),
                arguments("external data at an absolute path", OnnxModels.externalDataModel("/etc/hostname"),
                        "eval.external_data", "/etc/hostname"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void aModelTheRuntimeMustNotRunFailsTheLoad(String name, byte[] model, String rule, String evidence)
            throws IOException {
        Files.write(dir.resolve("w.bin"), new byte[16]);
        Files.write(dir.getParent().resolve("w.bin"), new byte[16]);
        Path f = Files.write(dir.resolve("model.onnx"), model);
        EvalReport r = evaluator.evaluate(f, "onnx");
        StageResult load = r.stage("model_load").orElseThrow();
        assertThat(load.status()).isEqualTo(StageStatus.FAIL);
        assertThat(load.findings()).extracting(Finding::rule).containsExactly(rule);
        assertThat(load.findings().get(0).evidence()).isNotBlank().contains(evidence);
        assertThat(r.stage("behavioral_test").orElseThrow().status()).isEqualTo(StageStatus.NOT_RUN);
        assertThat(r.stages()).noneMatch(s -> s.status() == StageStatus.PASS);
    }

    static Stream<Arguments> otherFormats() {
        return Stream.of(arguments("gguf"), arguments("safetensors"), arguments("pickle"), arguments(""));
    }

    @ParameterizedTest(name = "format ''{0}''")
    @MethodSource("otherFormats")
    void otherFormatsAreReportedAsNotRunNeverPassed(String format) throws IOException {
        Path f = Files.write(dir.resolve("m.bin"), new byte[]{'G', 'G', 'U', 'F'});
        EvalReport r = evaluator.evaluate(f, format);
        assertThat(r.executionProvider()).isEqualTo("none");
        assertThat(r.stages()).extracting(StageResult::stage).containsExactly("model_load", "behavioral_test");
        assertThat(r.stages()).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(StageStatus.NOT_RUN);
            assertThat(s.details()).containsKey("reason");
        });
        assertThat(r.stages().get(0).details().get("reason")).startsWith("ONNX Runtime cannot run format");
    }

    @Test
    void theFixtureIsWhatTheScannerCallsOnnx() throws IOException {
        Path f = Files.write(dir.resolve("x"), OnnxModels.identityModel());
        assertThat(io.airlock.formats.FormatSniffer.sniff(f).format().id()).isEqualTo("onnx");
    }
}
