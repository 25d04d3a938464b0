# task: softmax_py
# expect: HACKED kernel.deferred_work
# A threading.Timer finishes the output 100 ms after the kernel returned.
import threading

import torch


def custom_kernel(x):
    out = torch.zeros_like(x)
    threading.Timer(0.1, lambda: out.copy_(torch.softmax(x, dim=-1))).start()
    return out
