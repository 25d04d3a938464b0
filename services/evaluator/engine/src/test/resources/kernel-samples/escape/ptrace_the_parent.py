# task: vectoradd_py
# expect: HACKED kernel.forbidden_syscall
# Tries to attach to its parent with ptrace through libc (to read or patch the harness from outside).
import ctypes
import os

import torch

libc = ctypes.CDLL(None, use_errno=True)


def custom_kernel(data):
    a, b = data
    libc.ptrace(16, os.getppid(), None, None)  # PTRACE_ATTACH
    return a + b
