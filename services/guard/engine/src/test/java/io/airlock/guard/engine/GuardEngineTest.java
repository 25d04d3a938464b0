package io.airlock.guard.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.airlock.contracts.Kind.KERNEL;
import static io.airlock.contracts.Kind.MODEL;
import static io.airlock.guard.engine.GuardVerdict.ALLOW;
import static io.airlock.guard.engine.GuardVerdict.BLOCK;
import static io.airlock.guard.engine.Hostile.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class GuardEngineTest {
    @TempDir
    Path dir;
    final GuardEngine engine = new GuardEngine(GuardPolicy.defaults());

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, kind, claimed format, filename, content, verdict, rules
                arguments("onnx named .onnx, claimed onnx", MODEL, "onnx", "model.onnx", onnx(), ALLOW, List.of()),
                arguments("gguf", MODEL, "", "llama.gguf", gguf(), ALLOW, List.of()),
                arguments("safetensors", MODEL, "safetensors", "model.safetensors", safetensors(), ALLOW, List.of()),
                arguments("pytorch zip named .pt", MODEL, "", "model.pt", pytorchZip(), ALLOW, List.of()),
                arguments("torch legacy named .pth", MODEL, "pytorch", "model.pth", torchLegacy(), ALLOW, List.of()),
                // honest pickles pass the precheck: the scanner denies them with evidence
                arguments("pickle named .pkl", MODEL, "", "weights.pkl", pickle(), ALLOW, List.of()),
                arguments("generic .bin name claims nothing", MODEL, "", "model.bin", gguf(), ALLOW, List.of()),
                arguments("kernel", KERNEL, "", "submission.py", kernel(), ALLOW, List.of()),
                arguments("kernel claimed python_source", KERNEL, "python_source", "", kernel(), ALLOW, List.of()),
                // disguises
                arguments("pickle named model.safetensors", MODEL, "", "model.safetensors", pickle(), BLOCK,
                        List.of("guard.format_mismatch")),
                // its os.system import is also found by the quick pickle walk
                arguments("protocol 0 pickle claimed safetensors", MODEL, "safetensors", "x", pickleProto0(), BLOCK,
                        List.of("guard.format_mismatch", "guard.pickle_import")),
                arguments("pickle named .PT in upper case is honest", MODEL, "", "M.PT", pickle(), ALLOW, List.of()),
                arguments("gguf claimed safetensors", MODEL, "safetensors", "model", gguf(), BLOCK,
                        List.of("guard.format_mismatch")),
                arguments("pytorch zip named .npz", MODEL, "", "arrays.npz", pytorchZip(), BLOCK,
                        List.of("guard.format_mismatch")),
                arguments("pytorch zip claimed zip is honest", MODEL, "zip", "", pytorchZip(), ALLOW, List.of()),
                arguments("claim and name both lie", MODEL, "onnx", "model.gguf", pickle(), BLOCK,
                        List.of("guard.format_mismatch", "guard.format_mismatch")),
                // kind against content
                arguments("python submitted as a model", MODEL, "", "model.onnx", kernel(), BLOCK,
                        List.of("guard.kind_mismatch", "guard.format_mismatch")),
                arguments("gguf submitted as a kernel", KERNEL, "", "kernel.bin", gguf(), BLOCK,
                        List.of("guard.kind_mismatch")),
                arguments("pickle submitted as a kernel named .py", KERNEL, "", "submission.py", pickleProto0(), BLOCK,
                        List.of("guard.kind_mismatch", "guard.format_mismatch")),
                arguments("binary kernel", KERNEL, "", "", random(512), BLOCK, List.of("guard.kind_mismatch")),
                // unknown and unrecognised
                arguments("unknown model", MODEL, "", "blob", random(4096), ALLOW, List.of("guard.unknown_format")),
                arguments("unknown model named .safetensors", MODEL, "", "m.safetensors", random(4096), BLOCK,
                        List.of("guard.format_mismatch", "guard.unknown_format")),
                arguments("claim names nothing known", MODEL, "toaster", "", gguf(), ALLOW,
                        List.of("guard.claim_unrecognized")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inlineAndFileInputsGetTheSameAnswer(String name, Kind kind, String claimed, String filename, byte[] content,
                                            GuardVerdict verdict, List<String> rules) throws IOException {
        GuardResult inline = engine.check(GuardInput.ofInline(kind, claimed, filename, content));
        Path file = Files.write(dir.resolve("blob"), content);
        GuardResult onDisk = engine.check(GuardInput.ofFile(kind, claimed, filename, content.length, file));
        for (GuardResult r : List.of(inline, onDisk)) {
            assertThat(r.verdict()).as(r.findings().toString()).isEqualTo(verdict);
            assertThat(r.findings()).extracting(Finding::rule).containsExactlyElementsOf(rules);
            assertThat(r.findings()).allSatisfy(f -> assertThat(f.stage()).isEqualTo("precheck"));
            assertThat(r.engineVersion()).startsWith("airlock-guard-engine/");
        }
        assertThat(onDisk.findings()).isEqualTo(inline.findings());
        assertThat(onDisk.detectedFormat()).isEqualTo(inline.detectedFormat());
        // BLOCK iff a finding is HIGH or worse
        assertThat(inline.findings().stream().anyMatch(f -> f.severity().atLeast(Severity.HIGH)))
                .isEqualTo(verdict == BLOCK);
    }

    static Stream<Arguments> sizes() {
        return Stream.of(
                arguments(KERNEL, 100, ALLOW),
                arguments(KERNEL, 101, BLOCK),
                arguments(MODEL, 1000, ALLOW),
                arguments(MODEL, 1001, BLOCK));
    }

    @ParameterizedTest(name = "{0} of {1} bytes")
    @MethodSource("sizes")
    void sizeLimitsDependOnTheKind(Kind kind, int size, GuardVerdict verdict) {
        GuardEngine small = new GuardEngine(new GuardPolicy(1000, 100));
        byte[] content = kind == KERNEL ? pad(kernel(), size) : pad(gguf(), size);
        GuardResult r = small.check(GuardInput.ofInline(kind, "", "", content));
        assertThat(r.verdict()).isEqualTo(verdict);
        assertThat(r.findings().stream().anyMatch(f -> f.rule().equals("guard.size_limit"))).isEqualTo(verdict == BLOCK);
    }

    @Test
    void aDeclaredSizeThatDisagreesWithTheFileBlocks() throws IOException {
        Path file = Files.write(dir.resolve("m.gguf"), gguf());
        GuardResult r = engine.check(GuardInput.ofFile(MODEL, "", "m.gguf", 3, file));
        assertThat(r.verdict()).isEqualTo(BLOCK);
        assertThat(r.findings()).extracting(Finding::rule).containsExactly("guard.size_mismatch");
    }

    @Test
    void aHugeFileIsCheckedFromItsHeadInMilliseconds() throws IOException {
        Path big = dir.resolve("big.gguf");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.write(gguf());
            f.setLength(4L << 30);
        }
        engine.check(GuardInput.ofFile(MODEL, "", "big.gguf", 4L << 30, big)); // warm-up
        GuardResult r = engine.check(GuardInput.ofFile(MODEL, "", "big.gguf", 4L << 30, big));
        assertThat(r.verdict()).isEqualTo(ALLOW);
        assertThat(r.durationMicros()).isLessThan(50_000);
    }

    @Test
    void anUnreadableFileIsTheGuardFailingNotAVerdict() {
        assertThatThrownBy(() -> engine.check(GuardInput.ofFile(MODEL, "", "x", 1, dir.resolve("missing"))))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void inlineBytesAreCopied() {
        byte[] content = kernel();
        GuardInput in = GuardInput.ofInline(KERNEL, "", "k.py", content);
        content[0] = (byte) 0xff;
        assertThat(engine.check(in).verdict()).isEqualTo(ALLOW);
    }

    private static byte[] pad(byte[] start, int size) {
        byte[] b = java.util.Arrays.copyOf(start, size);
        for (int i = start.length; i < size; i++) {
            b[i] = '\n';
        }
        return b;
    }
}
