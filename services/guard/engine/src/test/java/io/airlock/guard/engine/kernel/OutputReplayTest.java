package io.airlock.guard.engine.kernel;

import io.airlock.contracts.Finding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Output replay whatever the key (data_ptr, id, shape, a call counter, self, a helper), against its
 * honest twins: buffers and compiled kernels kept between calls that are computed into every call.
 */
class OutputReplayTest {
    static Stream<Arguments> replays() {
        return Stream.of(
                arguments("dict keyed by data_ptr", """
                        import torch
                        _cache = {}

                        def custom_kernel(data):
                            a, b = data
                            key = (a.data_ptr(), b.data_ptr())
                            if key in _cache:
                                return _cache[key]
                            out = a @ b
                            _cache[key] = out
                            return out
                        """, 8),
                arguments("dict keyed by shape", """
                        import torch
                        RESULTS = {}

                        def custom_kernel(data):
                            a, b = data
                            shape_key = (tuple(a.shape), tuple(b.shape), str(a.dtype))
                            hit = RESULTS.get(shape_key)
                            if hit is not None:
                                return hit.clone()
                            out = torch.matmul(a, b)
                            RESULTS[shape_key] = out
                            return out
                        """, 9),
                arguments("call counter and the last output", """
                        import torch
                        _calls = 0
                        _last = None

                        def custom_kernel(data):
                            global _calls, _last
                            _calls += 1
                            if _calls > 1 and _last is not None:
                                return _last
                            _last = data[0] @ data[1]
                            return _last
                        """, 9),
                arguments("dict keyed by id(), filled on a miss", """
                        import torch
                        memo = {}

                        def custom_kernel(data):
                            k = id(data)
                            out = memo.get(k)
                            if out is None:
                                out = memo[k] = data[0] @ data[1]
                            return out
                        """, 9),
                arguments("lookup hidden in a helper", """
                        import torch
                        BANK = {}

                        def _lookup(x):
                            return BANK.get(x.data_ptr())

                        def custom_kernel(data):
                            r = _lookup(data[0])
                            if r is not None:
                                return r
                            out = data[0] @ data[1]
                            BANK[data[0].data_ptr()] = out
                            return out
                        """, 10),
                arguments("ModelNew keeps outputs on self", """
                        import torch

                        class ModelNew(torch.nn.Module):
                            def __init__(self):
                                super().__init__()
                                self.seen = {}

                            def forward(self, x):
                                key = x.shape
                                if key in self.seen:
                                    return self.seen[key]
                                y = torch.relu(x)
                                self.seen[key] = y
                                return y
                        """, 11),
                arguments("outputs precomputed at import", """
                        import torch
                        from task import generate_input_cases

                        PRECOMPUTED = {c.shape: torch.relu(c) for c in generate_input_cases()}

                        def custom_kernel(data):
                            return PRECOMPUTED[data.shape]
                        """, 7));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replays")
    void aReplayedOutputIsFoundOnItsReturn(String name, String source, int line) {
        List<Finding> findings = KernelAnalyzer.analyze(source, "submission.py");
        assertThat(findings).as("%s: %s", name, findings).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo(KernelRule.OUTPUT_CACHE.id());
            assertThat(f.location()).isEqualTo("submission.py:" + line);
            assertThat(f.severity().blocksByDefault()).isTrue();
        });
    }

    static Stream<Arguments> honestTwins() {
        return Stream.of(
                arguments("output buffer reused, computed into with out=", """
                        import torch
                        _buf = {}

                        def custom_kernel(data):
                            a, b = data
                            key = (a.shape, a.dtype)
                            out = _buf.get(key)
                            if out is None:
                                out = _buf[key] = torch.empty_like(a)
                            torch.add(a, b, out=out)
                            return out
                        """),
                arguments("buffer reused, handed to a Triton kernel", """
                        import torch
                        import triton
                        import triton.language as tl

                        @triton.jit
                        def double(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
                            offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
                            tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < n) * 2, mask=offs < n)

                        WORKSPACE = {}

                        def custom_kernel(data):
                            n = data.numel()
                            if n not in WORKSPACE:
                                WORKSPACE[n] = torch.empty(n, device=data.device, dtype=data.dtype)
                            double[(triton.cdiv(n, 1024),)](data, WORKSPACE[n], n, BLOCK=1024)
                            return WORKSPACE[n].view_as(data)
                        """),
                arguments("buffer reused, written element-wise and in place", """
                        import torch
                        _scratch = {}

                        def custom_kernel(data):
                            a, b = data
                            buf = _scratch.setdefault(a.shape, torch.empty_like(a))
                            buf[:] = a * b
                            buf.add_(1.0)
                            return buf
                        """),
                arguments("data_ptr read for an alignment check, a slice returned", """
                        import torch

                        def custom_kernel(data):
                            a, b = data
                            if a.data_ptr() % 16 != 0:
                                a = a.contiguous()
                            out = torch.empty((a.shape[0], b.shape[1] + 8), device=a.device)
                            torch.matmul(a, b, out=out[:, :b.shape[1]])
                            return out[:, :b.shape[1]]
                        """),
                arguments("compiled kernels cached by shape, the output computed", """
                        import torch
                        _compiled = {}

                        def custom_kernel(data):
                            a, b = data
                            key = (a.shape, b.shape)
                            if key not in _compiled:
                                _compiled[key] = torch.compile(torch.matmul)
                            return _compiled[key](a, b)
                        """),
                arguments("ModelNew computes into its own buffer", """
                        import torch

                        class ModelNew(torch.nn.Module):
                            def __init__(self):
                                super().__init__()
                                self.out = None

                            def forward(self, x):
                                if self.out is None or self.out.shape != x.shape:
                                    self.out = torch.empty_like(x)
                                torch.relu(x, out=self.out)
                                return self.out
                        """),
                arguments("an empty input answered from a module constant", """
                        import torch
                        EMPTY = torch.empty(0)

                        def custom_kernel(data):
                            if data.numel() == 0:
                                return EMPTY
                            return torch.relu(data)
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honestTwins")
    void kernelsThatComputeIntoKeptBuffersAreNotReplays(String name, String source) {
        List<Finding> findings = KernelAnalyzer.analyze(source, "submission.py");
        assertThat(findings).as("%s: %s", name, findings).noneMatch(f -> f.severity().blocksByDefault());
    }
}
