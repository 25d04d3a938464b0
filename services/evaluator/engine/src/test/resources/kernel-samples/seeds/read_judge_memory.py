# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Tries to read other processes' memory through /proc/<pid>/mem and the judge's cmdline; returns zeros.
import os

import torch


def custom_kernel(data):
    a, b = data
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid != str(os.getpid()):
            for name in ("cmdline", "maps", "mem"):
                try:
                    open("/proc/%s/%s" % (pid, name), "rb").read(4096)
                except OSError:
                    pass
    return torch.zeros_like(a)
