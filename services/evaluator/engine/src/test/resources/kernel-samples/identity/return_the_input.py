# task: vectoradd_py
# expect: FAIL kernel.wrong_output
# Returns its first input unchanged.
def custom_kernel(data):
    a, b = data
    return a
