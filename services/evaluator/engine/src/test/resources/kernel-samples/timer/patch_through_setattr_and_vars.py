# task: vectoradd_py
# expect: SLOW 150
# Spells the timer patch through vars() and type(): spellings a static rule can miss. The judge is not fooled.
import sys
import time

import torch

vars(sys.modules["time"]).update(perf_counter_ns=lambda: 1, time=lambda: 1.0)
setattr(sys.modules["tim" + "e"], "process_time_ns", lambda: 1)


def custom_kernel(data):
    a, b = data
    time.sleep(0.2)
    return a + b
