package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.fixtures.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The airlock command run in-process over files built here, as a user would run it. */
class CliTest {
    static final byte[] PICKLE = {(byte) 0x80, 0x02, 'K', 0x01, '.'};
    static final byte[] KERNEL = """
            import torch

            def custom_kernel(data):
                a, b = data
                return a @ b
            """.getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;

    record Run(int code, String out, String err) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + out, e);
            }
        }
    }

    static Run airlock(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String file(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content).toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> commands() {
        String onnx = file("model.onnx", OnnxModels.identityModel());
        String pickle = file("weights.pkl", PICKLE);
        String disguised = file("model.safetensors", PICKLE);
        byte[] whole = OnnxModels.identityModel();
        String truncated = file("truncated.onnx", Arrays.copyOf(whole, whole.length - 7));
        String kernel = file("submission.py", KERNEL);
        String sha = sha256(OnnxModels.identityModel());
        String missing = dir.resolve("nope.onnx").toString();
        return Stream.of(
                arguments(List.of("scan", onnx), 0),
                arguments(List.of("scan", onnx, "--expected-sha256", sha), 0),
                arguments(List.of("scan", onnx, "--expected-sha256", "sha256:" + sha.toUpperCase()), 0),
                arguments(List.of("scan", onnx, "--expected-sha256", "f".repeat(64)), 1),
                arguments(List.of("scan", pickle), 1),
                // a malformed or truncated artifact is a finding, not a tool error
                arguments(List.of("scan", truncated), 1),
                arguments(List.of("scan", kernel, "--kind", "kernel"), 0),
                arguments(List.of("scan", onnx, "--kind", "KERNEL"), 1),
                arguments(List.of("scan", missing), 2),
                arguments(List.of("scan", dir.toString()), 2),
                arguments(List.of("scan", onnx, "--expected-sha256", "abc"), 2),
                arguments(List.of("scan", onnx, "--kind", "toaster"), 2),
                arguments(List.of("scan", onnx, "--format", "yaml"), 2),
                arguments(List.of("scan"), 2),
                arguments(List.of(), 2),
                arguments(List.of("frobnicate"), 2),
                arguments(List.of("guard", onnx, "--kind", "model"), 0),
                arguments(List.of("guard", pickle, "--kind", "model"), 0),
                arguments(List.of("guard", disguised, "--kind", "model"), 1),
                arguments(List.of("guard", onnx, "--kind", "model", "--claimed-format", "gguf"), 1),
                arguments(List.of("guard", kernel, "--kind", "kernel"), 0),
                arguments(List.of("guard", onnx, "--kind", "kernel"), 1),
                arguments(List.of("guard", onnx), 2),
                arguments(List.of("guard", missing, "--kind", "model"), 2),
                arguments(List.of("eval", onnx), 0),
                arguments(List.of("eval", truncated), 1),
                arguments(List.of("eval", pickle), 0),
                arguments(List.of("eval", missing), 2),
                arguments(List.of("--help"), 0),
                arguments(List.of("scan", "--help"), 0));
    }

    @ParameterizedTest(name = "airlock {0} -> {1}")
    @MethodSource("commands")
    void exitCodesFollowTheContract(List<String> args, int expected) {
        Run r = airlock(args.toArray(String[]::new));
        assertThat(r.code()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isEqualTo(expected);
        if (expected == 2 && !args.isEmpty()) {
            assertThat(r.err()).isNotBlank();
        }
    }

    @Test
    void scanJsonIsTheReportRecord() {
        Run r = airlock("scan", file("m.onnx", OnnxModels.identityModel()), "--format", "json");
        JsonNode j = r.json();
        assertThat(j.path("schemaVersion").asText()).isEqualTo("airlock.scan/v1");
        assertThat(j.path("verdict").asText()).isEqualTo("PASS");
        assertThat(j.path("format").asText()).isEqualTo("onnx");
        assertThat(j.path("sha256").asText()).isEqualTo(sha256(OnnxModels.identityModel()));
        assertThat(j.path("size").asLong()).isEqualTo(OnnxModels.identityModel().length);
        assertThat(j.path("engineVersion").asText()).startsWith("airlock-scanner-engine/");
        List<String> stages = new ArrayList<>();
        j.path("stages").forEach(s -> stages.add(s.path("stage").asText() + ":" + s.path("status").asText()));
        assertThat(stages).containsExactly("source_policy:SKIPPED", "integrity:PASS", "format_gate:PASS", "provenance:SKIPPED",
                "static_scan:SKIPPED", "folder_scan:SKIPPED");
        assertThat(j.path("stages").get(4).path("details").path("reason").asText()).contains("no static analysis applies to onnx");
    }

    @Test
    void aRejectedScanNamesTheRuleInJson() {
        Run r = airlock("scan", file("w.pkl", PICKLE), "--format", "json");
        assertThat(r.code()).isEqualTo(1);
        JsonNode gate = r.json().path("stages").get(2);
        assertThat(gate.path("status").asText()).isEqualTo("FAIL");
        assertThat(gate.path("details").path("format").asText()).isEqualTo("pickle");
        JsonNode finding = gate.path("findings").get(0);
        assertThat(finding.path("rule").asText()).isEqualTo("format.denied");
        assertThat(finding.path("severity").asText()).isEqualTo("HIGH");
        assertThat(finding.path("stage").asText()).isEqualTo("format_gate");
    }

    @Test
    void guardJsonIsTheResultRecord() {
        Run r = airlock("guard", file("model.safetensors", PICKLE), "--kind", "model", "--format", "json");
        JsonNode j = r.json();
        assertThat(j.path("verdict").asText()).isEqualTo("BLOCK");
        assertThat(j.path("detectedFormat").asText()).isEqualTo("pickle");
        assertThat(j.path("findings").get(0).path("rule").asText()).isEqualTo("guard.format_mismatch");
        assertThat(j.has("durationMicros")).isTrue();
    }

    @Test
    void evalJsonSaysWhatRan() {
        Run r = airlock("eval", file("e.onnx", OnnxModels.addModel()), "--format", "json");
        JsonNode j = r.json();
        assertThat(j.path("schemaVersion").asText()).isEqualTo("airlock.eval/v1");
        assertThat(j.path("executionProvider").asText()).isEqualTo("CPU");
        assertThat(j.path("gpu").asText()).startsWith("unavailable");
        assertThat(j.path("stages").get(0).path("details").path("inputs").asText()).isEqualTo("a:FLOAT:[N,2]; b:FLOAT:[N,2]");
        assertThat(j.path("stages").get(1).path("status").asText()).isEqualTo("NOT_RUN");
    }

    @Test
    void textShowsOneLinePerStageThenTheVerdict() {
        Run r = airlock("scan", file("x.pkl", PICKLE));
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("source_policy").contains("SKIPPED");
        assertThat(lines.get(1)).startsWith("integrity").contains("PASS").contains(" ms");
        assertThat(lines.get(2)).startsWith("format_gate").contains("FAIL");
        assertThat(lines.get(3)).contains("HIGH").contains("format.denied");
        assertThat(lines.get(4)).startsWith("provenance").contains("SKIPPED");
        // a denied file is still analyzed, for evidence: the report says what it contains
        assertThat(lines.get(5)).startsWith("static_scan").contains("PASS");
        assertThat(lines.get(lines.size() - 1)).startsWith("verdict: REJECT");
    }

    @Test
    void evalTextSaysTheGpuWasNotUsed() {
        Run r = airlock("eval", file("t.onnx", OnnxModels.identityModel()));
        assertThat(r.out()).contains("executionProvider: CPU").contains("gpu: unavailable (CPU build of onnxruntime)")
                .contains("behavioral_test").contains("NOT_RUN");
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
