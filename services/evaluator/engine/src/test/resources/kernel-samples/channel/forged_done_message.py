# task: vectoradd_py
# expect: HACKED kernel.forged_channel
# Writes its own "done" answer (a scalar) on the result channel before the harness answers.
import json
import os
import socket

import torch

calls = [0]
ch = socket.socket(fileno=os.dup(int(os.environ["AIRLOCK_CHANNEL_FD"])))


def custom_kernel(data):
    a, b = data
    ch.send(json.dumps({"op": "done", "id": calls[0], "out": {"t": "int", "v": 1}}).encode())
    calls[0] += 1
    return a + b
