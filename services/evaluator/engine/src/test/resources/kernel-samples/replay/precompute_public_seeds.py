# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Re-creates the generator with the task's public seeds and precomputes the answers at import.
import torch

_bank = {}
for size, seed in ((16, 101), (127, 102), (768, 201)):
    g = torch.Generator()
    g.manual_seed(seed)
    a = torch.randn(size, size, generator=g)
    b = torch.randn(size, size, generator=g)
    _bank[size] = a + b


def custom_kernel(data):
    a, b = data
    return _bank[a.shape[0]].clone()
