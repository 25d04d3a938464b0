# task: vectoradd_py
# expect: NOT_RUN
# A Triton kernel: needs a CUDA device, which this CPU judge lacks (decided from the code, never run).
import torch
import triton
import triton.language as tl


@triton.jit
def add_kernel(a, b, o, n, BLOCK: tl.constexpr):
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = i < n
    tl.store(o + i, tl.load(a + i, mask=m) + tl.load(b + i, mask=m), mask=m)


def custom_kernel(data):
    a, b = data
    o = torch.empty_like(a)
    add_kernel[(triton.cdiv(a.numel(), 1024),)](a, b, o, a.numel(), BLOCK=1024)
    return o
