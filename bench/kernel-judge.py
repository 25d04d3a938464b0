#!/usr/bin/python3
"""Judge timing vs plain in-process timing, for the shipped example tasks' honest submissions.

    /usr/bin/python3 bench/kernel-judge.py [REPS]      (default 20)

For each example task, the same benchmark case is timed twice: in this process (time.perf_counter_ns
around custom_kernel, fresh inputs per call, one thread, median of REPS) and by the judge (its own clock
from releasing the inputs to holding a copy of every output byte, minus the median of a trusted no-op in
the same sandboxed worker). Only the shipped example submissions are run in-process here: they are this
project's own files, never a submitter's. Prints a Markdown table and the whole judge run's cost.
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(ROOT, "services/evaluator/engine/src/main/resources/io/airlock/evaluator/engine/kernel")
TASKS = os.path.join(ROOT, "examples/tasks")
REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def in_process(task_dir, case):
    sys.path.insert(0, task_dir)
    try:
        ref = load(os.path.join(task_dir, "reference.py"), "reference_" + os.path.basename(task_dir))
        sub = load(os.path.join(task_dir, "submission.py"), "submission_" + os.path.basename(task_dir))
    finally:
        sys.path.remove(task_dir)
    args = {k: v for k, v in case.items() if k != "seed"}
    times = []
    for i in range(REPS + 1):
        data = ref.generate_input(seed=1000 + i, device="cpu", **args)
        t0 = time.perf_counter_ns()
        sub.custom_kernel(data)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times[1:])


def judged(task_dir):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-I", os.path.join(HARNESS, "judge.py"), "--task", task_dir,
                        "--submission", os.path.join(task_dir, "submission.py"), "--harness", HARNESS,
                        "--report", report, "--reps", str(REPS)], check=True)
        wall = time.monotonic() - t0
        with open(report) as f:
            return json.load(f), wall


def main():
    torch.set_num_threads(1)  # the worker runs with one thread too
    print("| task | case | in-process median | judge median (raw) | no-op | judge kernel time | difference | judge run |")
    print("|---|---|---|---|---|---|---|---|")
    for name in sorted(os.listdir(TASKS)):
        task_dir = os.path.join(TASKS, name)
        with open(os.path.join(task_dir, "task.yml")) as f:
            case = yaml.safe_load(f)["benchmarks"][0]
        ip = in_process(task_dir, case)
        r, wall = judged(task_dir)
        if r["outcome"] != "PASS":
            print("| %s | judge said %s: %s |" % (name, r["outcome"], r["reason"]))
            continue
        b = [c for c in r["cases"] if c["kind"] == "benchmark"][0]
        k = b["kernelMedianNs"]
        diff = (k - ip) / ip * 100 if ip else 0
        print("| %s | %s | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %+.0f%% (%+.3f ms) | %.1f s |" % (
            name, {k2: v for k2, v in case.items() if k2 != "seed"}, ip / 1e6, b["medianNs"] / 1e6, b["noopNs"] / 1e6,
            k / 1e6, diff, (k - ip) / 1e6, wall))


if __name__ == "__main__":
    main()
