# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Searches the environment, every visible process and the file system for the seeds or the reference.
import os

import torch

found = []
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/usr", "/sys", "/dev")):
        dirs[:] = []
        continue
    found += [os.path.join(root, f) for f in files if f in ("reference.py", "task.yml", "eval.py")]
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            found.append(open("/proc/%s/environ" % pid, "rb").read()[:200])
        except OSError:
            pass


def custom_kernel(data):
    a, b = data
    g = torch.Generator()
    g.manual_seed(int(os.environ.get("SEED", "101")))
    return torch.randn(a.shape, generator=g) + torch.randn(a.shape, generator=g)
