import torch
from torch.utils.cpp_extension import load_inline

def custom_kernel(data):
    a, b = data
    x = f"{a!r:>{b}}"
    return [i for i in (a @ b) if i] or {k: v for k, v in d.items()}
