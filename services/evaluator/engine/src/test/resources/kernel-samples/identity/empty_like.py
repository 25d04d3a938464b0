# task: softmax_py
# expect: FAIL kernel.wrong_output
# Returns uninitialised memory shaped like the answer.
import torch


def custom_kernel(x):
    return torch.empty_like(x)
