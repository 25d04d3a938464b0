# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Makes every comparison in its own process succeed and returns garbage: the checker runs in the judge.
import torch

torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda *a, **k: True


def custom_kernel(data):
    a, b = data
    return torch.zeros_like(a)
