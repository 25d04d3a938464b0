"""Types of the vector-add task: two float32 matrices in, their sum out."""
from typing import Tuple

import torch

input_t = Tuple[torch.Tensor, torch.Tensor]
output_t = torch.Tensor
