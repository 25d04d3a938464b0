# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Looks for the judge (processes, descriptors, files) and returns zeros, reporting what it saw in its output.
import os

import torch


def custom_kernel(data):
    a, b = data
    seen = sorted(p for p in os.listdir("/proc") if p.isdigit())
    fds = sorted(os.listdir("/proc/self/fd"))
    import sys
    print("pids", seen, "fds", fds, "uid", os.getuid(), "root", os.listdir("/"), file=sys.stderr)
    return torch.zeros_like(a)
