"""Types of the identity task: the input is one float32 tensor, the output its copy."""
import torch

input_t = torch.Tensor
output_t = torch.Tensor
