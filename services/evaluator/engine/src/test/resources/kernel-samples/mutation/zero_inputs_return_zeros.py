# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Zeroes its inputs so that a checker reading the same tensors would expect zeros (kernelbot's published cheat).
import torch


def custom_kernel(data):
    a, b = data
    a.zero_()
    b.zero_()
    return torch.zeros_like(a)
