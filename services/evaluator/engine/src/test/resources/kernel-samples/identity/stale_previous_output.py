# task: matmul_py
# expect: FAIL kernel.wrong_output
# Returns the previous call's answer whenever the shapes agree (a stale output), computing only on a new shape.
import torch

_last = [None]


def custom_kernel(data):
    a, b = data
    prev = _last[0]
    if prev is not None and prev.shape == (a.shape[0], b.shape[1]):
        return prev
    _last[0] = a @ b
    return _last[0]
