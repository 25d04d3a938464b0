"""Reference of the vector-add task (Airlock example)."""
import torch

RTOL, ATOL = 1e-6, 1e-6


def generate_input(size: int, seed: int, device: str = "cpu"):
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    a = torch.randn(size, size, generator=g, device=device, dtype=torch.float32)
    b = torch.randn(size, size, generator=g, device=device, dtype=torch.float32)
    return a, b


def ref_kernel(data):
    a, b = data
    return a + b


def check_implementation(data, output):
    """(True, "") when output matches the reference within tolerance, else (False, why)."""
    expected = ref_kernel(data)
    if not isinstance(output, torch.Tensor):
        return False, "output is a %s, not a tensor" % type(output).__name__
    if tuple(output.shape) != tuple(expected.shape):
        return False, "shape %s, expected %s" % (tuple(output.shape), tuple(expected.shape))
    if output.dtype != expected.dtype:
        return False, "dtype %s, expected %s" % (output.dtype, expected.dtype)
    if not torch.allclose(output, expected, rtol=RTOL, atol=ATOL):
        bad = (output - expected).abs().max().item() if output.numel() else 0.0
        return False, "values differ (max abs error %.3g, rtol %g atol %g)" % (bad, RTOL, ATOL)
    return True, ""
