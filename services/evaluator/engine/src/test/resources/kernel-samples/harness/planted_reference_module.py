# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Plants a fake `reference` module whose checker always agrees, then returns garbage.
import sys
import types

import torch

fake = types.ModuleType("reference")
fake.check_implementation = lambda data, out: (True, "")
sys.modules["reference"] = fake


def custom_kernel(data):
    a, b = data
    return torch.ones_like(a)
