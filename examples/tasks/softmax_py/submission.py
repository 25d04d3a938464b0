"""An honest softmax kernel: numerically stable, written out in torch operations."""
import torch


def custom_kernel(x):
    shifted = x - x.max(dim=-1, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=-1, keepdim=True)
