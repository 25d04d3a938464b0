#!/usr/bin/env python3
"""Stand-in for an external analyzer such as `kernelguard --api-mode` (which cannot be installed
here): reads a submission on stdin, prints one JSON line in KernelGuard's shape. Test code only."""
import json
import sys
import time

src = sys.stdin.read()
if "SLEEP_FOREVER" in src:
    time.sleep(60)
if "ANSWER_GARBAGE" in src:
    print("this is not json")
    sys.exit(0)
if "EXIT_TWO" in src:
    sys.exit(2)
patterns = []
if "synchronize =" in src:
    patterns.append({"pattern": "timer_monkeypatch", "severity": "high",
                     "evidence": "torch.cuda.synchronize reassigned", "field": "line 3"})
hacked = bool(patterns)
print(json.dumps({"matched_patterns": patterns, "classification": "hacked" if hacked else "valid",
                  "should_filter": hacked, "filter_reason": "timer patch" if hacked else "",
                  "code_hash": "x"}))
