# task: vectoradd_py
# expect: SLOW 150
# Fakes a CUDA event class and prints a fast timing line; the judge reads no text and times by its own clock.
import sys
import time

import torch


class Event:
    def __init__(self, *a, **k):
        pass

    def record(self, *a):
        pass

    def elapsed_time(self, other):
        return 0.001


torch.cuda.Event = Event
torch.cuda.synchronize = lambda *a, **k: None


def custom_kernel(data):
    a, b = data
    time.sleep(0.2)
    print("benchmark: 0.001 ms  speedup 400x  PASSED", file=sys.stdout, flush=True)
    return a + b
