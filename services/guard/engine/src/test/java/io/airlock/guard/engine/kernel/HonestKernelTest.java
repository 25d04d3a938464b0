package io.airlock.guard.engine.kernel;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardPolicy;
import io.airlock.guard.engine.GuardResult;
import io.airlock.guard.engine.GuardVerdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Honest kernels of the kinds competitions receive: none may be blocked. */
class HonestKernelTest {
    static Stream<Arguments> honest() {
        return Stream.of(
                arguments("plain torch", """
                        import torch
                        from task import input_t, output_t

                        def custom_kernel(data: input_t) -> output_t:
                            a, b = data
                            return a @ b
                        """),
                arguments("triton vector add", """
                        import torch
                        import triton
                        import triton.language as tl

                        @triton.jit
                        def add_kernel(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):
                            pid = tl.program_id(axis=0)
                            offs = pid * BLOCK + tl.arange(0, BLOCK)
                            mask = offs < n
                            x = tl.load(x_ptr + offs, mask=mask)
                            y = tl.load(y_ptr + offs, mask=mask)
                            tl.store(out_ptr + offs, x + y, mask=mask)

                        def custom_kernel(data):
                            x, y = data
                            out = torch.empty_like(x)
                            n = out.numel()
                            grid = lambda meta: (triton.cdiv(n, meta["BLOCK"]),)
                            add_kernel[grid](x, y, out, n, BLOCK=1024)
                            return out
                        """),
                arguments("load_inline CUDA", """
                        import torch
                        from torch.utils.cpp_extension import load_inline

                        cuda_src = r'''
                        #include <torch/extension.h>
                        #include <cuda_runtime.h>

                        // a comment that mentions dlsym and system() is not code
                        __global__ void scale_kernel(const float* __restrict__ x, float* __restrict__ y, float s, int n) {
                            int i = blockIdx.x * blockDim.x + threadIdx.x;
                            if (i < n) y[i] = x[i] * s;
                        }

                        torch::Tensor scale(torch::Tensor x, double s) {
                            auto y = torch::empty_like(x);
                            int n = x.numel();
                            scale_kernel<<<(n + 255) / 256, 256>>>(x.data_ptr<float>(), y.data_ptr<float>(), (float) s, n);
                            cudaError_t err = cudaGetLastError();
                            TORCH_CHECK(err == cudaSuccess, cudaGetErrorString(err));
                            return y;
                        }
                        '''
                        cpp_src = "torch::Tensor scale(torch::Tensor x, double s);"
                        module = load_inline(name="scale_ext", cpp_sources=cpp_src, cuda_sources=cuda_src,
                                             functions=["scale"], extra_cuda_cflags=["-O3"], verbose=False)

                        def custom_kernel(data):
                            x, s = data
                            return module.scale(x, s)
                        """),
                arguments("own timing events, read only", """
                        import torch

                        def custom_kernel(data):
                            a, b = data
                            start = torch.cuda.Event(enable_timing=True)
                            end = torch.cuda.Event(enable_timing=True)
                            start.record()
                            out = torch.matmul(a, b)
                            end.record()
                            torch.cuda.synchronize()
                            _ = start.elapsed_time(end)
                            return out
                        """),
                arguments("buffers reused, always computed", """
                        import torch
                        _buffers = {}

                        def custom_kernel(data):
                            a, b = data
                            key = (a.shape, b.shape, a.dtype)
                            if key not in _buffers:
                                _buffers[key] = torch.empty(a.shape[0], b.shape[1], device=a.device, dtype=a.dtype)
                            out = _buffers[key]
                            torch.matmul(a, b, out=out)
                            return out
                        """),
                arguments("exploits only in comments and docstrings", """
                        '''A fast softmax.

                        Unlike submissions that do torch.cuda.synchronize = lambda: None or
                        exec(base64.b64decode(...)), this one just computes.
                        '''
                        import torch
                        # sys.modules['reference'] = fake  <- what we do NOT do
                        # import socket; os.system("pip install x")

                        def custom_kernel(data):
                            \"\"\"Never reads os.environ; never caches by data_ptr().\"\"\"
                            x = data
                            return torch.softmax(x, dim=-1)
                        """),
                arguments("configuration writes and environment set-up", """
                        import os
                        import torch
                        os.environ["TORCH_CUDA_ARCH_LIST"] = "9.0"
                        os.environ.setdefault("CUDA_DEVICE_MAX_CONNECTIONS", "1")
                        torch.backends.cudnn.benchmark = True
                        torch.backends.cuda.matmul.allow_tf32 = True
                        torch._dynamo.config.cache_size_limit = 64
                        HERE = os.path.dirname(os.path.abspath(__file__))

                        def custom_kernel(data):
                            a, b = data
                            return torch.nn.functional.linear(a, b)
                        """),
                arguments("KernelBench ModelNew", """
                        import torch
                        import torch.nn as nn

                        class ModelNew(nn.Module):
                            def __init__(self, in_features, out_features):
                                super().__init__()
                                self.linear = nn.Linear(in_features, out_features)

                            def forward(self, x):
                                return torch.relu(self.linear(x))
                        """),
                arguments("torch.compile", """
                        import torch

                        @torch.compile(mode="max-autotune")
                        def fused(a, b, c):
                            return torch.nn.functional.gelu(a @ b + c)

                        def custom_kernel(data):
                            return fused(*data)
                        """),
                arguments("side stream, joined", """
                        import torch
                        side = torch.cuda.Stream()

                        def custom_kernel(data):
                            a, b, c = data
                            with torch.cuda.stream(side):
                                x = a @ b
                            y = c * 2
                            torch.cuda.current_stream().wait_stream(side)
                            return x + y
                        """),
                arguments("a test block under __main__", """
                        import sys
                        import time
                        import torch

                        def custom_kernel(data):
                            a, b = data
                            return a @ b

                        if __name__ == "__main__":
                            a = torch.randn(1024, 1024, device="cuda")
                            t0 = time.perf_counter()
                            custom_kernel((a, a))
                            torch.cuda.synchronize()
                            if "--verbose" in sys.argv:
                                print(f"took {(time.perf_counter() - t0) * 1e3:.3f} ms")
                        """),
                arguments("debug print and a local class attribute", """
                        import torch

                        class Config:
                            block = 128

                        Config.block = 256

                        def custom_kernel(data):
                            x = data
                            print("input shape", tuple(x.shape))
                            return x.float().sum(dim=0)
                        """),
                arguments("in-place output argument", """
                        import torch

                        def custom_kernel(data):
                            a, b, out = data
                            torch.mm(a, b, out=out)
                            return out
                        """),
                arguments("math and dataclasses", """
                        import math
                        from dataclasses import dataclass
                        import torch

                        @dataclass
                        class Tile:
                            m: int = 64
                            n: int = 64

                        def custom_kernel(data):
                            q, k, v = data
                            scale = 1.0 / math.sqrt(q.shape[-1])
                            attn = torch.softmax((q @ k.transpose(-2, -1)) * scale, dim=-1)
                            return attn @ v
                        """),
                arguments("an identity layer in a helper module", """
                        import torch

                        class Skip(torch.nn.Module):
                            def forward(self, x):
                                return x

                        class ModelNew(torch.nn.Module):
                            def __init__(self):
                                super().__init__()
                                self.body = torch.nn.Sequential(torch.nn.Linear(64, 64), Skip())

                            def forward(self, x):
                                return self.body(x)
                        """),
                arguments("extension build set up through the environment", """
                        import os
                        os.environ.setdefault("TORCH_CUDA_ARCH_LIST", "9.0")
                        os.environ["TORCH_EXTENSIONS_DIR"] = os.path.join(os.path.dirname(__file__), ".ext")
                        ARCH = os.environ.get("TORCH_CUDA_ARCH_LIST", "9.0")
                        import torch
                        from torch.utils.cpp_extension import load_inline

                        cuda_src = r'''
                        #include <cuda_runtime.h>
                        #define CUDA_CHECK(x) do { cudaError_t e_ = (x); TORCH_CHECK(e_ == cudaSuccess, cudaGetErrorString(e_)); } while (0)
                        #define CONCAT_(a, b) a##b
                        #define UNIQUE(name) CONCAT_(name, __LINE__)
                        __global__ void relu_kernel(const float* x, float* y, int n) {
                            int i = blockIdx.x * blockDim.x + threadIdx.x;
                            if (i < n) y[i] = x[i] > 0.f ? x[i] : 0.f;
                        }
                        torch::Tensor relu(torch::Tensor x) {
                            auto y = torch::empty_like(x);
                            int UNIQUE(n) = x.numel();
                            relu_kernel<<<(x.numel() + 255) / 256, 256>>>(x.data_ptr<float>(), y.data_ptr<float>(), x.numel());
                            CUDA_CHECK(cudaGetLastError());
                            CUDA_CHECK(cudaDeviceSynchronize());
                            return y;
                        }
                        '''
                        mod = load_inline(name="relu_ext", cpp_sources="torch::Tensor relu(torch::Tensor x);",
                                          cuda_sources=cuda_src, functions=["relu"], extra_cuda_cflags=[f"-arch={ARCH}"])

                        def custom_kernel(data):
                            return mod.relu(data)
                        """),
                arguments("an own benchmark function that prints its timing", """
                        import torch

                        def custom_kernel(data):
                            a, b = data
                            return a @ b

                        def bench(data, iters=100):
                            start = torch.cuda.Event(enable_timing=True)
                            end = torch.cuda.Event(enable_timing=True)
                            start.record()
                            for _ in range(iters):
                                custom_kernel(data)
                            end.record()
                            torch.cuda.synchronize()
                            return start.elapsed_time(end) / iters

                        if __name__ == "__main__":
                            d = (torch.randn(1024, 1024, device="cuda"), torch.randn(1024, 1024, device="cuda"))
                            print(f"custom_kernel: {bench(d):.4f} ms per call, speedup over torch: 1.00x")
                        """),
                arguments("CuTe DSL stream idiom (cuda.bindings.driver)", """
                        import torch
                        import cuda.bindings.driver as cuda
                        from task import input_t, output_t

                        def custom_kernel(data: input_t) -> output_t:
                            a, b = data
                            stream = cuda.CUstream(torch.cuda.current_stream().cuda_stream)
                            out = torch.empty_like(a)
                            torch.add(a, b, out=out)
                            return out
                        """),
                arguments("cuTile (cuda.tile)", """
                        import torch
                        import cuda.tile as ct
                        from task import input_t, output_t

                        @ct.kernel
                        def add_kernel(a, b, c, tile: ct.Constant[int]):
                            bid = ct.bid(0)
                            x = ct.load(a, index=(bid,), shape=(tile,))
                            y = ct.load(b, index=(bid,), shape=(tile,))
                            ct.store(c, index=(bid,), tile=x + y)

                        def custom_kernel(data: input_t) -> output_t:
                            a, b = data
                            c = torch.empty_like(a)
                            ct.launch(torch.cuda.current_stream(), (a.numel() // 1024,), add_kernel, (a, b, c, 1024))
                            return c
                        """),
                arguments("CUDA graph replayed into a static output", """
                        import torch
                        from task import input_t, output_t

                        _graph = None
                        _static_in = None
                        _static_out = None

                        def custom_kernel(data: input_t) -> output_t:
                            global _graph, _static_in, _static_out
                            a = data
                            if _graph is None or _static_in.shape != a.shape:
                                _static_in = torch.empty_like(a)
                                _static_in.copy_(a)
                                _graph = torch.cuda.CUDAGraph()
                                with torch.cuda.graph(_graph):
                                    _static_out = torch.relu(_static_in)
                            _static_in.copy_(a)
                            _graph.replay()
                            return _static_out.clone()
                        """),
                arguments("load_inline source from textwrap.dedent of an f-string of constants", """
                        import textwrap
                        import torch
                        from torch.utils.cpp_extension import load_inline
                        from task import input_t, output_t

                        BLOCK = 256
                        cuda_src = textwrap.dedent(f\"""
                            __global__ void add(const float* a, const float* b, float* c, int n) {{
                                int i = blockIdx.x * {BLOCK} + threadIdx.x;
                                if (i < n) c[i] = a[i] + b[i];
                            }}
                            torch::Tensor add_cuda(torch::Tensor a, torch::Tensor b) {{
                                auto c = torch::empty_like(a);
                                int n = a.numel();
                                add<<<(n + {BLOCK} - 1) / {BLOCK}, {BLOCK}>>>(a.data_ptr<float>(), b.data_ptr<float>(), c.data_ptr<float>(), n);
                                return c;
                            }}
                        \""")
                        cpp_src = "torch::Tensor add_cuda(torch::Tensor a, torch::Tensor b);"
                        mod = load_inline(name="add_ext", cpp_sources=cpp_src, cuda_sources=cuda_src, functions=["add_cuda"])

                        def custom_kernel(data: input_t) -> output_t:
                            a, b = data
                            return mod.add_cuda(a, b)
                        """),
                arguments("a log line naming cudaEventElapsedTime", """
                        import torch
                        from task import input_t, output_t

                        def custom_kernel(data: input_t) -> output_t:
                            a, b = data
                            # timing is done by the harness with cudaEventElapsedTime; we just compute
                            print("not using cudaEventElapsedTime here")
                            return a + b
                        """),
                arguments("kernelbot's identity task: return data is the right answer", """
                        from task import input_t, output_t

                        def custom_kernel(data: input_t) -> output_t:
                            return data
                        """),
                arguments("Python 3.12 f-string with the same quotes inside a field (PEP 701)", """
                        import torch
                        from task import input_t, output_t

                        def custom_kernel(data: input_t) -> output_t:
                            a, b = data
                            names = {"x": 1}
                            msg = f"shape {a.shape} key {names["x"]} {f"{a.dtype}"}"
                            return a + b
                        """));
    }

    /** The same corpus through the whole guard: kernel kind, content sniffed as Python, the verdict ALLOW. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void honestKernelsAreAllowedByTheGuard(String name, String source) {
        GuardResult r = new GuardEngine(GuardPolicy.defaults()).check(GuardInput.ofInline(Kind.KERNEL, "", "submission.py",
                source.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.verdict()).as("%s: %s", name, r.findings()).isEqualTo(GuardVerdict.ALLOW);
        assertThat(r.findings()).noneMatch(f -> f.severity().blocksByDefault());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void honestKernelsPass(String name, String source) {
        List<Finding> findings = KernelAnalyzer.analyze(source, "submission.py");
        assertThat(findings).as(name).noneMatch(f -> f.severity().blocksByDefault());
    }
}
