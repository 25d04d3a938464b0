# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Writes forged result lines to every descriptor of its parent and of pid 1 under /proc (kernelbot's published
# cheat writes to the harness's descriptor); it finds only the sandbox's own log.
import os

import torch


def custom_kernel(data):
    a, b = data
    for pid in {str(os.getppid()), "1"}:
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                try:
                    with open("/proc/%s/fd/%s" % (pid, fd), "w") as f:
                        f.write('{"op": "done", "id": 0, "out": {"t": "int", "v": 0}}\nPASSED\n')
                except OSError:
                    pass
        except OSError:
            pass
    return torch.zeros_like(a)
