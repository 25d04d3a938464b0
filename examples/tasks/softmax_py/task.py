"""Types of the softmax task: one float32 matrix in, its row-wise softmax out."""
import torch

input_t = torch.Tensor
output_t = torch.Tensor
