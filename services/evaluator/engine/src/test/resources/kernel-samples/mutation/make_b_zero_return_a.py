# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Sets b to zero in place and returns a: a + b on the mutated inputs would equal a.
def custom_kernel(data):
    a, b = data
    b.fill_(0)
    return a
