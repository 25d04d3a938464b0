# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Computes once per shape and replays that answer for every later call of the same shape.
import torch

_cache = {}


def custom_kernel(data):
    a, b = data
    key = tuple(a.shape)
    if key not in _cache:
        _cache[key] = a + b
    return _cache[key]
