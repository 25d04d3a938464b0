# Airlock kernel worker harness. Runs INSIDE the sandbox, in the same process as the submission, so
# nothing here is trusted once the submission is imported: the judge never believes this file's
# words about results. It only tells the judge where the output tensors live; the judge reads their
# bytes itself (process_vm_readv) and stops its own clock when that read is complete.
#
# Protocol (SOCK_SEQPACKET, one JSON object per message, on the fd named by AIRLOCK_CHANNEL_FD):
#   worker -> judge  {"op":"hello"}                 sent before the submission exists in this process:
#                                                   the judge binds the sender's pid (SO_PASSCRED)
#   judge -> worker  {"op":"call","id":N,"noop":B,"inputs":TREE} + one sealed memfd (SCM_RIGHTS)
#   worker -> judge  {"op":"done","id":N,"out":TREE} | {"op":"error","id":N,"text":S}
#   judge -> worker  {"op":"load"}  -> {"op":"ready"} | {"op":"error","id":-1,"text":S}
#   judge -> worker  {"op":"exit"}
import array
import json
import os
import socket
import sys
import traceback

CH = socket.socket(fileno=int(os.environ["AIRLOCK_CHANNEL_FD"]))


def send(obj):
    CH.send(json.dumps(obj).encode())


def recv():
    fds = array.array("i")
    msg, anc, _flags, _addr = CH.recvmsg(1 << 20, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if not msg:
        sys.exit(0)
    return json.loads(msg), list(fds)


send({"op": "hello"})

import torch  # noqa: E402  (after hello: the import takes seconds and is not the submission's)

torch.set_num_threads(int(os.environ.get("AIRLOCK_THREADS", "1")))


def build(node, fd):
    t = node["t"]
    if t == "tensor":
        # a private copy, read straight from the sealed memfd into fresh memory; the checker uses the judge's own
        raw = torch.empty(node["nbytes"], dtype=torch.uint8)
        if node["nbytes"]:
            view = memoryview(raw.numpy())
            done = 0
            while done < node["nbytes"]:
                done += os.preadv(fd, [view[done:]], node["offset"] + done)
        return raw.view(getattr(torch, node["dtype"])).reshape(node["shape"])
    if t in ("tuple", "list"):
        items = [build(v, fd) for v in node["v"]]
        return tuple(items) if t == "tuple" else items
    if t == "dict":
        return {k: build(v, fd) for k, v in node["v"].items()}
    return node["v"]


def describe(x):
    if isinstance(x, torch.Tensor):
        if x.device.type != "cpu":
            raise TypeError("output on device %s; this judge reads CPU outputs" % x.device)
        return {"t": "tensor", "ptr": x.data_ptr(), "dtype": str(x.dtype).replace("torch.", ""),
                "shape": list(x.shape), "strides": list(x.stride())}
    if isinstance(x, (tuple, list)):
        return {"t": "tuple" if isinstance(x, tuple) else "list", "v": [describe(v) for v in x]}
    if isinstance(x, bool):
        return {"t": "bool", "v": x}
    if isinstance(x, int):
        return {"t": "int", "v": x}
    if isinstance(x, float):
        return {"t": "float", "v": x}
    raise TypeError("unsupported output type %s" % type(x).__name__)


def first_tensor(data):
    # the trusted no-op used to calibrate the judge's clock: same input copy and output read as a kernel
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, dict):
        data = list(data.values())
    for v in data:
        found = first_tensor(v) if isinstance(v, (tuple, list, dict, torch.Tensor)) else None
        if found is not None:
            return found
    return torch.empty(0)


kernel = None
kept = []  # every output stays alive so the judge can re-read it after the clock stopped
while True:
    req, fds = recv()
    op = req.get("op")
    if op == "exit":
        break
    if op == "load":
        try:
            sys.path.insert(0, "/work")
            import submission  # noqa: E402
            kernel = submission.custom_kernel
            send({"op": "ready"})
        except BaseException:
            send({"op": "error", "id": -1, "text": traceback.format_exc()[-4000:]})
        continue
    if op == "call":
        try:
            data = build(req["inputs"], fds[0] if fds else -1)
            for fd in fds:
                os.close(fd)
            out = first_tensor(data) if req["noop"] else kernel(data)
            kept.append(out)
            send({"op": "done", "id": req["id"], "out": describe(out)})
        except BaseException:
            send({"op": "error", "id": req["id"], "text": traceback.format_exc()[-4000:]})
