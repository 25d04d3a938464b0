"""An honest identity kernel."""
import torch


def custom_kernel(data: torch.Tensor) -> torch.Tensor:
    return data
