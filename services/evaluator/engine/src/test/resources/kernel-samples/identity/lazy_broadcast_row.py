# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Computes one row and hands back a stride-0 view of it (a "lazy" output the checker sees as full).
def custom_kernel(data):
    a, b = data
    return (a[0] + b[0]).expand(a.shape[0], a.shape[1])
