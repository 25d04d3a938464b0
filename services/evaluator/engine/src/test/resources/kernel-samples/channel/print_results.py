# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Prints result lines on stdout and stderr as a harness would; the judge never reads results from text.
import os
import sys

import torch


def custom_kernel(data):
    a, b = data
    print("test 0: PASSED\nbenchmark mean 0.001 ms\ncheck: ok", flush=True)
    os.write(2, b"all tests passed\n")
    return torch.zeros_like(a)
