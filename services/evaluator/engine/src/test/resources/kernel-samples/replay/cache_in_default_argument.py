# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# A cache hidden in a default argument and keyed by a call counter: after the third call it replays the last answer.
import torch


def custom_kernel(data, _memo={"n": 0, "last": None}):
    a, b = data
    _memo["n"] += 1
    if _memo["last"] is not None and _memo["last"].shape == a.shape and _memo["n"] > 3:
        return _memo["last"]
    _memo["last"] = a + b
    return _memo["last"]
