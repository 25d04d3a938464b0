"""Reference of the identity task (Airlock example). The judge calls generate_input with a secret
seed and its own device; ref_kernel and check_implementation run only in the judge."""
import torch

RTOL, ATOL = 0.0, 0.0


def generate_input(size: int, seed: int, device: str = "cpu") -> torch.Tensor:
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return torch.randn(size, size, generator=g, device=device, dtype=torch.float32)


def ref_kernel(data: torch.Tensor) -> torch.Tensor:
    return data.clone()


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
