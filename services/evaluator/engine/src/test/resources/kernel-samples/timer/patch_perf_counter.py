# task: vectoradd_py
# expect: SLOW 150
# Replaces time.perf_counter(_ns) in its own process and sleeps: the judge's clock is in another process.
import time

import torch

_real_sleep = time.sleep
time.perf_counter = lambda: 0.0
time.perf_counter_ns = lambda: 0
time.monotonic = lambda: 0.0


def custom_kernel(data):
    a, b = data
    _real_sleep(0.2)
    return a + b
