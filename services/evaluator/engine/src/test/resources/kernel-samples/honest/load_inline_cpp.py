# task: vectoradd_py
# expect: PASS
# Honest: a C++ extension compiled in the sandbox by load_inline (its build cache lives in /scratch).
import torch
from torch.utils.cpp_extension import load_inline

SRC = """
#include <torch/extension.h>
torch::Tensor add(torch::Tensor a, torch::Tensor b) {
  auto out = torch::empty_like(a);
  auto pa = a.data_ptr<float>(), pb = b.data_ptr<float>(), po = out.data_ptr<float>();
  for (int64_t i = 0; i < a.numel(); ++i) po[i] = pa[i] + pb[i];
  return out;
}
"""
ext = load_inline("airlock_vadd", cpp_sources=[SRC], functions=["add"], verbose=False)


def custom_kernel(data):
    a, b = data
    return ext.add(a.contiguous(), b.contiguous())
