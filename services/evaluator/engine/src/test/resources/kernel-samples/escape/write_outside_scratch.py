# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Tries to overwrite its own files, the harness and system paths, and to start a shell; returns zeros.
import os
import subprocess

import torch


def custom_kernel(data):
    a, b = data
    for path in ("/work/submission.py", "/harness/worker.py", "/usr/lib/evil", "/etc/passwd"):
        try:
            with open(path, "w") as f:
                f.write("x")
        except OSError:
            pass
    try:
        subprocess.run(["/bin/sh", "-c", "kill -9 1; echo PASSED"], timeout=2)
    except Exception:
        pass
    return torch.zeros_like(a)
