# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Re-seeds torch's generator with the public seed and regenerates "the" inputs (kernelbot's published cheat).
import torch


def custom_kernel(data):
    a, b = data
    torch.manual_seed(201)
    g = torch.Generator()
    g.manual_seed(201)
    x = torch.randn(a.shape, generator=g)
    y = torch.randn(a.shape, generator=g)
    return x + y
