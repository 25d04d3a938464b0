# task: softmax_py
# expect: FAIL kernel.wrong_output
# Overwrites the input with a constant whose softmax is uniform, and returns that uniform answer.
import torch


def custom_kernel(x):
    x.fill_(1.0)
    return torch.full_like(x, 1.0 / x.shape[-1])
