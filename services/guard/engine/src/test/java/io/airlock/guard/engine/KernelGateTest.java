package io.airlock.guard.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The kernel rules behind the gate: what does not parse is blocked, an exploit is blocked with its line. */
class KernelGateTest {
    private static final String HEAD = "import torch\nfrom task import input_t, output_t\n\n";
    private static final String UNPARSEABLE = "guard.kernel.unparseable";
    private final GuardEngine engine = new GuardEngine(GuardPolicy.defaults());

    static Stream<Arguments> unparseable() {
        ByteArrayOutputStream notUtf8 = new ByteArrayOutputStream();
        notUtf8.writeBytes((HEAD + "x = '").getBytes(StandardCharsets.UTF_8));
        notUtf8.writeBytes(new byte[]{(byte) 0xC3, (byte) 0x28, '\'', '\n'});
        return Stream.of(
                arguments("a syntax error", bytes(HEAD + "def custom_kernel(data:\n    return data\n"), UNPARSEABLE),
                arguments("10,000 nested parentheses", bytes(HEAD + "x = " + "(".repeat(10_000) + "1" + ")".repeat(10_000)
                        + "\n"), UNPARSEABLE),
                arguments("an unterminated triple-quoted string", bytes(HEAD + "doc = '''never closed\n"
                        + "x = 1\n".repeat(100)), UNPARSEABLE),
                arguments("tabs and spaces mixed", bytes(HEAD + "if True:\n\tif True:\n        x = 1\n"), UNPARSEABLE),
                arguments("a 1 MB line", bytes(HEAD + "x = " + "-".repeat(1_000_000 - 100) + "1\n"), UNPARSEABLE),
                // the sniffer already refuses these as text, before any parsing
                arguments("a NUL byte in code", bytes(HEAD + "a\0b = 1\n"), "guard.kind_mismatch"),
                arguments("bytes that are not UTF-8", notUtf8.toByteArray(), "guard.kind_mismatch"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unparseable")
    void aKernelThatDoesNotParseIsBlocked(String name, byte[] source, String rule) {
        GuardResult r = engine.check(GuardInput.ofInline(Kind.KERNEL, "", "submission.py", source));
        assertThat(r.verdict()).as("%s: %s", name, r.findings()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(r.findings()).as(name).anySatisfy(f -> assertThat(f.rule()).isEqualTo(rule));
    }

    @Test
    void anExploitIsBlockedWithItsLineAndEvidence() {
        String source = HEAD + """
                import torch.cuda as tc

                def custom_kernel(data: input_t) -> output_t:
                    tc.synchronize = lambda *a, **k: None
                    return data[0] @ data[1]
                """;
        GuardResult r = engine.check(GuardInput.ofInline(Kind.KERNEL, "", "submission.py", bytes(source)));
        assertThat(r.verdict()).isEqualTo(GuardVerdict.BLOCK);
        Finding f = r.findings().stream().filter(x -> x.rule().equals("guard.kernel.timer_patch")).findFirst().orElseThrow();
        assertThat(f.location()).isEqualTo("submission.py:7");
        assertThat(f.evidence()).isEqualTo("tc.synchronize = lambda *a, **k: None");
        assertThat(f.message()).contains("torch.cuda.synchronize");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** kernelbot's CUDA submissions ({@code lang: cu}): read as C/C++/CUDA source, judged by the native rules. */
    @org.junit.jupiter.api.Test
    void aCudaSubmissionIsReadAsNativeSource() {
        String honest = """
                #include <array>
                #include <vector>
                #include "task.h"
                #include "utils.h"

                __global__ void copy_kernel(float *input, float *output, int N) {
                  int idx = blockIdx.x * blockDim.x + threadIdx.x;
                  if (idx < N) output[idx] = input[idx];
                }

                output_t custom_kernel(input_t data) {
                  return data;
                }
                """;
        GuardResult ok = engine.check(GuardInput.ofInline(Kind.KERNEL, "", "submission.cu", bytes(honest)));
        assertThat(ok.verdict()).as("%s", ok.findings()).isEqualTo(GuardVerdict.ALLOW);
        assertThat(ok.detectedFormat()).isEqualTo("native_source");
        String hostile = honest + """
                #include <dlfcn.h>
                extern "C" cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b) {
                  *ms = 0.001f;
                  return cudaSuccess;
                }
                """;
        GuardResult bad = engine.check(GuardInput.ofInline(Kind.KERNEL, "", "submission.cu", bytes(hostile)));
        assertThat(bad.verdict()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(bad.findings()).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo("guard.kernel.native_interpose");
            assertThat(f.location()).isEqualTo("submission.cu:15");
        });
    }
}
