# task: matmul_py
# expect: HACKED kernel.deferred_work
# Hands the work to an executor and returns the output buffer before the work is done.
import concurrent.futures
import time

import torch

pool = concurrent.futures.ThreadPoolExecutor(1)


def work(a, b, out):
    time.sleep(0.1)
    torch.matmul(a, b, out=out)


def custom_kernel(data):
    a, b = data
    out = torch.empty(a.shape[0], b.shape[1])
    pool.submit(work, a, b, out)
    return out
