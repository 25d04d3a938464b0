# task: vectoradd_py
# expect: PASS
# Honest: computes every call into the same kept output buffer (out=): reused memory is not deferred work.
import torch

_buf = {}


def custom_kernel(data):
    a, b = data
    out = _buf.get(a.shape)
    if out is None:
        out = _buf[a.shape] = torch.empty_like(a)
    torch.add(a, b, out=out)
    return out
