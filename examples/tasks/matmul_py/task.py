"""Types of the matmul task: (a, b) float32 with a (m, k) and b (k, n); output a @ b."""
from typing import Tuple

import torch

input_t = Tuple[torch.Tensor, torch.Tensor]
output_t = torch.Tensor
