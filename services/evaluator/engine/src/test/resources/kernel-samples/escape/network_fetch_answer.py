# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Tries to fetch an answer over the network (loopback and outside); the sandbox has no network.
import socket

import torch


def custom_kernel(data):
    a, b = data
    for host, port in (("127.0.0.1", 5432), ("10.0.0.1", 80), ("8.8.8.8", 53)):
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return a + b
        except OSError:
            pass
    return torch.zeros_like(a)
