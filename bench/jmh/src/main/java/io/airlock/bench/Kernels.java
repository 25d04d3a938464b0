package io.airlock.bench;

import java.nio.charset.StandardCharsets;

/** A realistic ~20 KB honest kernel submission: torch and Triton code, comments, helpers. */
final class Kernels {
    private Kernels() {
    }

    static byte[] honest20k() {
        StringBuilder sb = new StringBuilder("""
                import torch
                import triton
                import triton.language as tl
                from torch.utils.cpp_extension import load_inline

                """);
        int i = 0;
        while (sb.length() < 20_000) {
            sb.append("""
                    @triton.jit
                    def add_kernel_%1$d(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):
                        # one program per block of BLOCK elements
                        pid = tl.program_id(axis=0)
                        offs = pid * BLOCK + tl.arange(0, BLOCK)
                        mask = offs < n
                        x = tl.load(x_ptr + offs, mask=mask)
                        y = tl.load(y_ptr + offs, mask=mask)
                        tl.store(out_ptr + offs, x + y, mask=mask)


                    def helper_%1$d(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
                        out = torch.empty_like(a)
                        n = out.numel()
                        grid = lambda meta: (triton.cdiv(n, meta["BLOCK"]),)
                        add_kernel_%1$d[grid](a, b, out, n, BLOCK=1024)
                        return out * 2 + torch.relu(b)

                    """.formatted(i++));
        }
        sb.append("""

                def custom_kernel(data):
                    a, b = data
                    return helper_0(a, b) @ b.T
                """);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
