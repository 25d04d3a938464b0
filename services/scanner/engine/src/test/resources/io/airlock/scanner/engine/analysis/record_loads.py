"""Reads each pickle (one hex line on stdin) as CPython's loaders do, recording, never executing.

find_class is overridden in both loaders (the C pickle.Unpickler, which pickle.load and torch.load
use, and the pure-Python pickle._Unpickler, which joblib and dill use): it records the name and
returns an inert stub instead of importing anything, and the stub records each call made on it.
So what each loader WOULD import and call is listed while nothing named in the stream is ever
imported or run. Three readings, measured with CPython 3.11:
  c_file     the C unpickler over a buffered file (pickle.load(open(...))): reads frames contiguously
  c_bytesio  the C unpickler over an io.BytesIO without peek (torch.load's data.pkl): an operand that
             crosses a frame's end is read afresh after the frame, the frame's rest dropped
  py         pickle._Unpickler (joblib, dill): stops where a frame's length disagrees
Prints one JSON object per input line: {"c_file": [...], "c_bytesio": [...], "py": [...]}.
"""
import io
import json
import pickle
import sys


class Stub:
    def __init__(self, name, log):
        self.name, self.log = name, log

    def __call__(self, *args, **kwargs):
        self.log.append("call " + self.name)
        return Stub(self.name + "()", self.log)

    def __setstate__(self, state):
        self.log.append("build " + self.name)


def run(loader, data, buffered=False):
    log = []

    class Recording(loader):
        def find_class(self, module, name):
            log.append("import %s.%s" % (module, name))
            return Stub("%s.%s" % (module, name), log)

        def persistent_load(self, pid):
            return None

    f = io.BufferedReader(io.BytesIO(data)) if buffered else io.BytesIO(data)
    try:
        while f.peek(1) if buffered else f.tell() < len(data):
            Recording(f).load()
    except Exception as e:  # noqa: BLE001 - where a loader stops is what is recorded
        log.append("stopped " + type(e).__name__ + ": " + str(e)[:80])
    return log


for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    print(json.dumps({"c_file": run(pickle.Unpickler, data, True), "c_bytesio": run(pickle.Unpickler, data),
                      "py": run(pickle._Unpickler, data)}), flush=True)
