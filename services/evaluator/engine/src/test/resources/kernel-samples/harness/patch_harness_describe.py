# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Rewrites the worker harness's own functions (it shares the process) to point the judge at a zero buffer.
import sys

import torch

main = sys.modules["__main__"]
_zeros = {}


def describe(x):
    z = _zeros.setdefault(tuple(x.shape), torch.zeros(x.shape))
    return {"t": "tensor", "ptr": z.data_ptr(), "dtype": "float32", "shape": list(z.shape), "strides": list(z.stride())}


main.describe = describe


def custom_kernel(data):
    a, b = data
    return a + b
