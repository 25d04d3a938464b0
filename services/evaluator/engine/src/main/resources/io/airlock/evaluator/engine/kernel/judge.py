# Airlock kernel judge. TRUSTED: it runs with the evaluator's rights and holds what a submission must
# never reach: the secret seeds, the inputs, the clock and the task's checker. The submission runs in
# a separate worker process (worker.py) inside a bubblewrap sandbox; nothing the worker sends is ever
# unpickled or believed as a result: the judge reads the worker's output tensors from its memory
# itself and stops its clock only when that copy is complete.
#
# Usage: judge.py --task DIR --submission FILE --harness DIR --report FILE [options]
# The report (JSON, schema airlock.kernel-judge/v1) has outcome PASS | FAIL | HACKED | NOT_RUN | ERROR.
import argparse
import array
import ctypes
import fcntl
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import traceback

SCHEMA = "airlock.kernel-judge/v1"
TASK_KEYS = {"files", "lang", "description", "config", "tests", "benchmarks", "ranking_by", "templates",
             "multi_gpu", "gpus", "devices", "test_timeout", "benchmark_timeout", "ranked_timeout"}
# dtypes a worker may claim for an output, and their sizes: anything else is refused
DTYPES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2, "int64": 8, "int32": 4, "int16": 2,
          "int8": 1, "uint8": 1, "bool": 1}
MAX_HEADER = 64 * 1024
MAX_LEAVES = 64
MAX_DEPTH = 4
MAX_NDIM = 8
MAX_OUTPUT_BYTES = 512 * 1024 * 1024
SECRET = "secret"


class Tampering(Exception):
    """Something only a submission that attacks the protocol or the judge would do."""

    def __init__(self, rule, message, evidence=""):
        super().__init__(message)
        self.rule, self.evidence = rule, evidence


class NotRun(Exception):
    pass


class TaskError(Exception):
    pass


# ---------------------------------------------------------------- task

def load_task(task_dir):
    import yaml
    path = os.path.join(task_dir, "task.yml")
    with open(path, "rb") as f:
        raw = f.read()
    spec = yaml.safe_load(raw)
    if not isinstance(spec, dict):
        raise TaskError("task.yml is not a mapping")
    unknown = sorted(set(spec) - TASK_KEYS)
    if unknown:
        raise TaskError("task.yml has unknown keys: %s" % ", ".join(unknown))
    if spec.get("multi_gpu") or int(spec.get("gpus", 1) or 1) > 1:
        raise TaskError("multi-GPU tasks are not supported: the judge runs one worker on one device")
    lang = spec.get("lang")
    if lang not in ("py", "cu"):
        raise TaskError("lang must be py or cu, not %r" % (lang,))
    files = spec.get("files")
    if not isinstance(files, list) or not files:
        raise TaskError("files must be a non-empty list")
    names = []
    for f in files:
        if not isinstance(f, dict) or set(f) != {"name", "source"}:
            raise TaskError("each file needs exactly name and source")
        name, source = f["name"], f["source"]
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}", str(name)):
            raise TaskError("file name %r is not a plain name" % (name,))
        if source != "@SUBMISSION@":
            full = os.path.realpath(os.path.join(task_dir, source))
            if not full.startswith(os.path.realpath(task_dir) + os.sep) or not os.path.isfile(full):
                raise TaskError("source %r is not a file inside the task's folder" % (source,))
        names.append((name, source))
    if sum(1 for _n, s in names if s == "@SUBMISSION@") != 1:
        raise TaskError("exactly one file must have source @SUBMISSION@")
    for key in ("tests", "benchmarks"):
        cases = spec.get(key) or []
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            raise TaskError("%s must be a list of mappings" % key)
        for c in cases:
            for k, v in c.items():
                if not isinstance(v, (int, float, str, bool)):
                    raise TaskError("%s case field %s must be a scalar" % (key, k))
    if not spec.get("tests"):
        raise TaskError("a task needs at least one test")
    devices = spec.get("devices", ["cpu", "cuda"])
    if not isinstance(devices, list) or not set(devices) <= {"cpu", "cuda"} or not devices:
        raise TaskError("devices must be a list of cpu and/or cuda")
    digest = hashlib.sha256()
    for name in sorted(os.listdir(task_dir)):
        p = os.path.join(task_dir, name)
        if os.path.isfile(p):
            digest.update(name.encode() + b"\0")
            with open(p, "rb") as f:
                digest.update(hashlib.sha256(f.read()).digest())
    spec["_files"] = names
    spec["_digest"] = "sha256:" + digest.hexdigest()
    spec["_devices"] = devices
    return spec


def load_reference(task_dir):
    # the task's own code, trusted like the judge (an operator registered it); its eval.py is never run
    sys.path.insert(0, task_dir)
    spec = importlib.util.spec_from_file_location("reference", os.path.join(task_dir, "reference.py"))
    ref = importlib.util.module_from_spec(spec)
    sys.modules["reference"] = ref
    spec.loader.exec_module(ref)
    for fn in ("generate_input", "ref_kernel", "check_implementation"):
        if not callable(getattr(ref, fn, None)):
            raise TaskError("reference.py has no %s" % fn)
    return ref


def needs_cuda(source):
    """What in the submission's code needs a GPU, decided here from its text (never from worker errors)."""
    for pat, why in ((r"^\s*(import|from)\s+triton\b", "imports Triton"),
                     (r"^\s*(import|from)\s+cupy\b", "imports CuPy"),
                     (r"\bcuda_sources\s*=", "compiles CUDA sources (load_inline cuda_sources)"),
                     (r"__global__\s+void", "defines a CUDA __global__ kernel")):
        m = re.search(pat, source, re.M)
        if m:
            line = source.count("\n", 0, m.start()) + 1
            return "%s (line %d)" % (why, line)
    return None


# ---------------------------------------------------------------- tensors and inputs

def encode_inputs(data, torch):
    """The input tree for the worker and the raw bytes of its tensors (one memfd per call)."""
    chunks, offset = [], [0]

    def enc(x, depth):
        if depth > MAX_DEPTH:
            raise TaskError("input nesting too deep")
        if isinstance(x, torch.Tensor):
            c = x.detach().contiguous().cpu()
            b = c.numpy().tobytes() if c.dtype != torch.bfloat16 else c.view(torch.int16).numpy().tobytes()
            node = {"t": "tensor", "dtype": str(c.dtype).replace("torch.", ""), "shape": list(c.shape),
                    "offset": offset[0], "nbytes": len(b)}
            chunks.append(b)
            offset[0] += len(b)
            return node
        if isinstance(x, (tuple, list)):
            return {"t": "tuple" if isinstance(x, tuple) else "list", "v": [enc(v, depth + 1) for v in x]}
        if isinstance(x, dict):
            return {"t": "dict", "v": {str(k): enc(v, depth + 1) for k, v in x.items()}}
        if isinstance(x, (bool, int, float, str)) or x is None:
            return {"t": "scalar", "v": x}
        raise TaskError("generate_input returned an unsupported %s" % type(x).__name__)

    tree = enc(data, 0)
    return tree, b"".join(chunks)


def sealed_memfd(payload):
    fd = os.memfd_create("airlock-input", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]
    # sealed: nobody, the worker included, can change the released bytes
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd


class iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.process_vm_readv.argtypes = [ctypes.c_int, ctypes.POINTER(iovec), ctypes.c_ulong, ctypes.POINTER(iovec),
                                  ctypes.c_ulong, ctypes.c_ulong]
LIBC.process_vm_readv.restype = ctypes.c_ssize_t


def read_memory(pid, addr, n):
    """The judge's own copy of n bytes at addr in the worker: the worker cannot hand over other bytes."""
    buf = bytearray(n)
    if n == 0:
        return buf
    base = ctypes.addressof((ctypes.c_char * n).from_buffer(buf))
    done = 0
    while done < n:
        local = iovec(base + done, n - done)
        remote = iovec(addr + done, n - done)
        got = LIBC.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if got <= 0:
            err = ctypes.get_errno()
            raise Tampering("kernel.output_unreadable", "the worker's output memory could not be read: %s"
                            % os.strerror(err), "address 0x%x, %d bytes" % (addr + done, n - done))
        done += got
    return buf


def parse_header(raw):
    """Strict: a JSON object, no duplicate keys, bounded size; anything else is a forged channel."""
    if len(raw) > MAX_HEADER:
        raise Tampering("kernel.forged_channel", "a message over %d bytes on the result channel" % MAX_HEADER)

    def no_dupes(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        msg = json.loads(raw.decode("utf-8"), object_pairs_hook=no_dupes,
                         parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (ValueError, UnicodeDecodeError) as e:
        raise Tampering("kernel.forged_channel", "a message on the result channel that is not strict JSON: %s" % e,
                        raw[:200].decode("utf-8", "replace"))
    if not isinstance(msg, dict) or not isinstance(msg.get("op"), str):
        raise Tampering("kernel.forged_channel", "a result message without an op", raw[:200].decode("utf-8", "replace"))
    return msg


def out_layout(node, depth=0, leaves=None):
    """Checks the output tree the worker claims: types, dtypes, shapes, strides and sizes, all capped."""
    leaves = [] if leaves is None else leaves
    if depth > MAX_DEPTH or not isinstance(node, dict):
        raise Tampering("kernel.forged_channel", "output description malformed or nested too deep")
    t = node.get("t")
    if t == "tensor":
        if set(node) != {"t", "ptr", "dtype", "shape", "strides"}:
            raise Tampering("kernel.forged_channel", "tensor header with unexpected fields", str(sorted(node)))
        ptr, dtype, shape, strides = node["ptr"], node["dtype"], node["shape"], node["strides"]
        ints = lambda v, lo, hi: isinstance(v, list) and all(type(i) is int and lo <= i <= hi for i in v)
        if (dtype not in DTYPES or type(ptr) is not int or not ints(shape, 0, 1 << 31) or not ints(strides, 0, 1 << 40)
                or len(shape) != len(strides) or len(shape) > MAX_NDIM or not 0 <= ptr < (1 << 57)):
            raise Tampering("kernel.forged_channel", "tensor header out of bounds", json.dumps(node)[:200])
        numel = math.prod(shape)
        span = 0 if numel == 0 else 1 + sum((s - 1) * st for s, st in zip(shape, strides))
        nbytes = span * DTYPES[dtype]
        if nbytes > MAX_OUTPUT_BYTES:
            raise Tampering("kernel.forged_channel", "tensor header claims %d bytes" % nbytes)
        leaves.append(node)
        if len(leaves) > MAX_LEAVES:
            raise Tampering("kernel.forged_channel", "more than %d output leaves" % MAX_LEAVES)
        node["_nbytes"] = nbytes
        return leaves
    if t in ("tuple", "list"):
        if not isinstance(node.get("v"), list):
            raise Tampering("kernel.forged_channel", "sequence header without items")
        for v in node["v"]:
            out_layout(v, depth + 1, leaves)
        return leaves
    if t in ("int", "float", "bool"):
        if type(node.get("v")) is not {"int": int, "float": float, "bool": bool}[t]:
            raise Tampering("kernel.forged_channel", "scalar header of the wrong type")
        return leaves
    raise Tampering("kernel.forged_channel", "unknown output node %r" % (t,))


def materialize(node, raws, torch, it):
    t = node["t"]
    if t == "tensor":
        raw = next(it)
        dtype = getattr(torch, node["dtype"])
        flat = torch.frombuffer(raw, dtype=dtype) if len(raw) else torch.empty(0, dtype=dtype)
        if math.prod(node["shape"]) == 0:
            return torch.empty(node["shape"], dtype=dtype)
        return flat.as_strided(node["shape"], node["strides"]).clone()
    if t in ("tuple", "list"):
        items = [materialize(v, raws, torch, it) for v in node["v"]]
        return tuple(items) if t == "tuple" else items
    return node["v"]


# ---------------------------------------------------------------- sandbox

DENIED_SYSCALLS = {  # x86_64 numbers; a worker that calls one is killed (SIGSYS) and the judge sees it
    101: "ptrace", 298: "perf_event_open", 321: "bpf", 425: "io_uring_setup", 426: "io_uring_enter",
    427: "io_uring_register", 323: "userfaultfd", 250: "keyctl", 248: "add_key", 249: "request_key",
    310: "process_vm_readv", 311: "process_vm_writev", 246: "kexec_load", 320: "kexec_file_load",
    175: "init_module", 313: "finit_module", 176: "delete_module", 165: "mount", 166: "umount2",
    272: "unshare", 308: "setns", 155: "pivot_root", 161: "chroot", 312: "kcmp", 169: "reboot",
}


def seccomp_program():
    """A classic BPF filter for bubblewrap's --seccomp: x86_64 only, x32 and other ABIs killed."""
    if platform.machine() != "x86_64":
        return None
    kill, allow = 0x80000000, 0x7FFF0000  # SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ALLOW
    ins = [(0x20, 0, 0, 4), (0x15, 1, 0, 0xC000003E), (0x06, 0, 0, kill),  # arch must be x86_64
           (0x20, 0, 0, 0), (0x35, 0, 1, 0x40000000), (0x06, 0, 0, kill)]  # no x32 syscalls
    nrs = sorted(DENIED_SYSCALLS)
    for i, nr in enumerate(nrs):
        ins.append((0x15, len(nrs) - i, 0, nr))
    ins += [(0x06, 0, 0, allow), (0x06, 0, 0, kill)]
    return b"".join(struct.pack("<HBBI", *i) for i in ins)


def memory_cgroup(limit):
    """A child of our own memory cgroup (v1 or v2) with a limit, or None with the reason."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
        for line in lines:
            _id, ctrls, path = line.split(":", 2)
            if "memory" in ctrls.split(","):
                base, limit_file = "/sys/fs/cgroup/memory" + path, "memory.limit_in_bytes"
                break
        else:
            path = [l.split(":", 2)[2] for l in lines if l.startswith("0::")][0]
            base, limit_file = "/sys/fs/cgroup" + path, "memory.max"
        cg = os.path.join(base, "airlock-worker-%d-%s" % (os.getpid(), secrets.token_hex(4)))
        os.mkdir(cg)
        try:
            with open(os.path.join(cg, limit_file), "w") as f:
                f.write(str(limit))
            for extra in ("memory.memsw.limit_in_bytes", "memory.swap.max"):
                try:
                    with open(os.path.join(cg, extra), "w") as f:
                        f.write(str(limit) if extra.endswith("bytes") else "0")
                except OSError:
                    pass
        except OSError:
            os.rmdir(cg)
            raise
        return cg, None
    except (OSError, IndexError, ValueError) as e:
        return None, "no writable memory cgroup (%s)" % e


class Sandbox:
    """Starts the worker under bubblewrap and records which isolation really applied."""

    def __init__(self, args, task, sub_source, tmp):
        self.args, self.tmp = args, tmp
        self.isolation = {}
        self.work = os.path.join(tmp, "work")
        self.scratch = os.path.join(tmp, "scratch")
        self.harness = os.path.join(tmp, "harness")
        os.chmod(tmp, 0o711)  # the worker's uid may pass through, never list
        os.makedirs(self.work)
        os.makedirs(self.scratch)
        os.makedirs(self.harness)
        shutil.copyfile(os.path.join(args.harness, "worker.py"), os.path.join(self.harness, "worker.py"))
        os.chmod(os.path.join(self.harness, "worker.py"), 0o444)
        os.chmod(self.harness, 0o555)
        # the worker's files: the submission and the task's non-harness files; never reference.py (generator
        # and checker) nor eval.py (the harness this judge replaces)
        for name, source in task["_files"]:
            if name in ("reference.py", "eval.py"):
                continue
            dst = os.path.join(self.work, name)
            if source == "@SUBMISSION@":
                with open(dst, "w") as f:
                    f.write(sub_source)
            else:
                shutil.copyfile(os.path.join(args.task, source), dst)
            os.chmod(dst, 0o444)
        os.chmod(self.work, 0o555)
        self.log_path = os.path.join(tmp, "worker.log")
        self.cgroup = None

    def start(self):
        a = self.args
        bwrap = shutil.which("bwrap")
        if not bwrap:
            raise NotRun("no sandbox: bubblewrap (bwrap) is not installed, and the judge never runs a submission "
                         "outside one")
        root = os.geteuid() == 0
        uid = a.uid if root else os.getuid()
        if root:
            os.chown(self.scratch, uid, uid)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.channel = parent
        cmd = []
        if root:
            # a real non-root uid outside the sandbox too (not only a mapped one inside a user namespace)
            cmd += ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups", "--inh-caps=-all"]
        cmd += [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--ro-bind", "/usr", "/usr"]
        for p in ("/lib", "/lib64", "/bin", "/sbin", "/lib32"):
            if os.path.islink(p):
                cmd += ["--symlink", os.readlink(p), p]
            elif os.path.isdir(p):
                cmd += ["--ro-bind", p, p]
        for p in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"):
            cmd += ["--ro-bind-try", p, p]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--ro-bind", self.work, "/work", "--ro-bind", self.harness, "/harness", "--bind", self.scratch, "/scratch",
                "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/scratch",
                "--setenv", "TMPDIR", "/scratch", "--setenv", "TORCH_EXTENSIONS_DIR", "/scratch/torch_extensions",
                "--setenv", "OMP_NUM_THREADS", str(a.threads), "--setenv", "AIRLOCK_THREADS", str(a.threads),
                "--setenv", "AIRLOCK_CHANNEL_FD", str(child.fileno()), "--chdir", "/work"]
        keep = [child.fileno()]
        prog = seccomp_program()
        sfd = None
        if prog is not None:
            sfd = os.memfd_create("airlock-seccomp")
            os.write(sfd, prog)
            os.lseek(sfd, 0, os.SEEK_SET)
            cmd += ["--seccomp", str(sfd)]
            keep.append(sfd)
            self.isolation["seccomp"] = "bpf filter: %s killed (SIGSYS); x32/foreign ABIs killed" % ", ".join(
                sorted(set(DENIED_SYSCALLS.values())))
        else:
            self.isolation["seccomp"] = "not applied (no filter for %s)" % platform.machine()
        cmd += [a.python, "-I", "/harness/worker.py"]

        self.cgroup, why = memory_cgroup(a.memory_bytes)
        self.isolation["memory"] = ("cgroup limit %d bytes" % a.memory_bytes) if self.cgroup else \
            "RLIMIT_AS %d bytes (CPU worker; %s)" % (a.memory_bytes * 4, why)
        limits = {"cpu": a.cpu_seconds, "nofile": 256, "fsize": 256 << 20, "core": 0}
        if root:
            limits["nproc"] = 512
        self.isolation["rlimits"] = "cpu %ds, open files 256, file size 256 MiB, core 0, processes %s" % (
            a.cpu_seconds, "512 (uid %d)" % uid if root else "not limited (the worker shares the evaluator's uid)")
        cgroup = self.cgroup

        def pre():
            if cgroup:
                with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            else:
                resource.setrlimit(resource.RLIMIT_AS, (a.memory_bytes * 4, a.memory_bytes * 4))
            resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"]))
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits["fsize"], limits["fsize"]))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if "nproc" in limits:
                resource.setrlimit(resource.RLIMIT_NPROC, (512, 512))

        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=keep,
                                     preexec_fn=pre, start_new_session=True)
        log.close()
        child.close()
        if sfd is not None:
            os.close(sfd)
        self.isolation.update({
            "sandbox": "bubblewrap %s" % subprocess.run([bwrap, "--version"], capture_output=True, text=True)
                       .stdout.strip().replace("bubblewrap ", ""),
            "uid": "%d outside the sandbox%s" % (uid, "" if root else " (the evaluator's own: not root)"),
            "namespaces": "user, pid, mount, network, ipc, uts, cgroup",
            "network": "none (empty network namespace)",
            "filesystem": "read-only /usr and submission files, private /tmp, /scratch the only writable folder",
            "descriptors": "stdin /dev/null, stdout/stderr to a log file, the channel; nothing else inherited",
            "wallClock": "%ds per call, %ds whole run, then SIGKILL" % (a.call_timeout, a.timeout),
        })

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self.log_path) - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def observed(self):
        """What the worker did, seen from outside it: its processes and peak memory (from its cgroup)."""
        seen = {}
        if self.cgroup:
            try:
                with open(os.path.join(self.cgroup, "cgroup.procs")) as f:
                    seen["processesAtEnd"] = len(f.read().split())  # bubblewrap's two included
                for name in ("memory.max_usage_in_bytes", "memory.peak"):
                    if os.path.exists(os.path.join(self.cgroup, name)):
                        with open(os.path.join(self.cgroup, name)) as f:
                            seen["peakMemoryBytes"] = int(f.read().strip())
            except (OSError, ValueError):
                pass
        return seen

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
        try:
            self.proc.wait(5)
        except Exception:
            pass
        if self.cgroup:
            for _ in range(50):
                try:
                    os.rmdir(self.cgroup)
                    break
                except OSError:
                    time.sleep(0.02)

    def died(self):
        rc = self.proc.poll()
        if rc is None:
            return None
        return rc


# ---------------------------------------------------------------- the run

class Judge:
    def __init__(self, args, task, ref, torch, box):
        self.a, self.task, self.ref, self.torch, self.box = args, task, ref, torch, box
        self.pid = None
        self.deadline = time.monotonic() + args.timeout
        self.calls = []  # every call: its leaves, snapshot bytes and identity

    def recv(self, timeout):
        ch = self.box.channel
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError()
            ch.settimeout(min(left, 0.5))
            try:
                raw, anc, _f, _a = ch.recvmsg(MAX_HEADER + 1, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
                break
            except socket.timeout:
                if self.box.died() is not None:
                    raise ConnectionError("worker exited")
        if not raw:
            raise ConnectionError("worker closed the channel")
        pid = None
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for fd in array.array("i", data[: len(data) - len(data) % 4]):
                    os.close(fd)
                raise Tampering("kernel.forged_channel", "the worker sent descriptors on the result channel")
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", data[:12])[0]
        msg = parse_header(raw)
        # the kernel stamps every message with its sender's real pid: only the process that said hello
        # (before the submission existed) may speak
        if self.pid is None:
            self.pid = pid
        elif pid != self.pid:
            raise Tampering("kernel.forged_channel", "a message from another process (pid %s, worker %s)"
                            % (pid, self.pid))
        return msg

    def send(self, obj, fd=None):
        data = json.dumps(obj).encode()
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))] if fd is not None else []
        self.box.channel.sendmsg([data], anc)

    def call(self, data, noop, label):
        """One timed call: the clock starts, the input is released, the output is read by the judge."""
        tree, payload = encode_inputs(data, self.torch)
        fd = sealed_memfd(payload)
        cid = len(self.calls)
        try:
            t0 = time.perf_counter_ns()
            self.send({"op": "call", "id": cid, "noop": noop, "size": len(payload), "inputs": tree}, fd)
            msg = self.recv(self.a.call_timeout)
            if msg["op"] == "error" and msg.get("id") == cid:
                return None, str(msg.get("text", ""))[-2000:]
            if msg["op"] != "done" or msg.get("id") != cid or set(msg) != {"op", "id", "out"}:
                raise Tampering("kernel.forged_channel", "unexpected message for %s" % label, json.dumps(msg)[:200])
            leaves = out_layout(msg["out"])
            raws = [read_memory(self.pid, l["ptr"], l["_nbytes"]) for l in leaves]
            t1 = time.perf_counter_ns()  # the judge holds its own copy of every output byte
        finally:
            os.close(fd)
        rec = {"label": label, "tree": msg["out"], "leaves": leaves, "raws": raws, "ns": t1 - t0}
        self.calls.append(rec)
        return rec, None

    def reread(self, rec, settled=False):
        """Deferred work: an output that changes after the clock stopped was not finished when it was timed."""
        for leaf, raw in zip(rec["leaves"], rec["raws"]):
            now = read_memory(self.pid, leaf["ptr"], leaf["_nbytes"])
            if now != raw:
                diff = next(i for i in range(len(raw)) if raw[i] != now[i])
                raise Tampering("kernel.deferred_work",
                                "the output of %s changed after the judge's clock stopped%s" % (
                                    rec["label"], " (re-read after the batch)" if settled else ""),
                                "first changed byte at offset %d of %d" % (diff, len(raw)))

    def output(self, rec):
        return materialize(rec["tree"], rec["raws"], self.torch, iter(rec["raws"]))

    def check(self, data, rec):
        ok, msg = self._checker(data, self.output(rec))
        return ok, msg

    def _checker(self, data, out):
        try:
            res = self.ref.check_implementation(data, out)
        except Exception as e:  # the output's shape or type broke the checker: wrong output
            return False, "checker refused the output: %s: %s" % (type(e).__name__, str(e)[:300])
        if isinstance(res, tuple):
            return bool(res[0]), str(res[1] if len(res) > 1 else "")
        if isinstance(res, str):  # kernelbot-style: an empty message means a match
            return res == "", res
        return bool(res), ""

    def inputs(self, case, seed):
        args = {k: v for k, v in case.items() if k != "seed"}
        return self.ref.generate_input(seed=seed, device=self.a.device, **args)


def fresh_seed():
    return secrets.randbits(31)  # never the task's public seeds: those are known to every submitter


def public(case):
    return {k: (SECRET if k == "seed" else v) for k, v in case.items()}


def run(args, report):
    try:
        import torch
        import yaml  # noqa: F401
    except ImportError as e:
        raise NotRun("the judge's interpreter %s has no %s: no behavioral test can run here" % (sys.executable, e.name))
    report["torch"] = torch.__version__
    task = load_task(args.task)
    report["task"] = {"digest": task["_digest"], "lang": task["lang"], "ranking_by": task.get("ranking_by", "")}
    report["notes"] = []
    if os.path.exists(os.path.join(args.task, "eval.py")):
        report["notes"].append("the task's eval.py is ignored: it would run the checker inside the submission's "
                               "process; the judge replaces it")
    if task["lang"] == "cu":
        raise NotRun("lang: cu tasks (eval and submission compiled into one binary) have no judge interface yet")
    with open(args.submission, "r", encoding="utf-8") as f:
        source = f.read()
    cuda = torch.cuda.is_available()
    report["device"] = "cpu"
    report["deviceReason"] = "the judge's CUDA path is not built yet" if cuda else \
        "no CUDA device (torch.cuda.is_available() is False, torch %s)" % torch.__version__
    if "cpu" not in task["_devices"]:
        raise NotRun("the task runs only on %s and this evaluator judges on the CPU (%s)"
                     % (", ".join(task["_devices"]), report["deviceReason"]))
    why = needs_cuda(source)
    if why:
        raise NotRun("the submission needs a CUDA device: it %s; %s" % (why, report["deviceReason"]))
    ref = load_reference(args.task)
    # probe: the task must run here with the reference passing its own checker
    probe = ref.generate_input(device=args.device, seed=fresh_seed(),
                               **{k: v for k, v in task["tests"][0].items() if k != "seed"})
    try:
        ok = True
        j = Judge(args, task, ref, torch, None)
        ok, msg = j._checker(probe, ref.ref_kernel(probe))
    except Exception as e:
        raise NotRun("the task's probe failed on %s: %s" % (args.device, e))
    if not ok:
        raise NotRun("the task's reference does not pass its own checker on %s: %s" % (args.device, msg))
    other = ref.generate_input(device=args.device, seed=fresh_seed(),
                               **{k: v for k, v in task["tests"][0].items() if k != "seed"})
    _t1, b1 = encode_inputs(probe, torch)
    _t2, b2 = encode_inputs(other, torch)
    if b1 == b2:
        report["notes"].append("two secret seeds gave the same inputs: an output cache cannot be detected")

    tmp = tempfile.mkdtemp(prefix="airlock-judge-")
    box = Sandbox(args, task, source, tmp)
    judge = Judge(args, task, ref, torch, box)
    try:
        box.start()
        report["isolation"] = box.isolation
        return drive(args, task, judge, report)
    finally:
        report["workerLog"] = box.log_tail()
        if box.cgroup:
            report["observed"] = box.observed()
        box.stop()
        # what it wrote: the scratch folder is the only writable place it had
        report["scratchFiles"] = sum(len(fs) for _r, _d, fs in os.walk(box.scratch))
        shutil.rmtree(tmp, ignore_errors=True)


def drive(args, task, judge, report):
    box = judge.box
    try:
        hello = judge.recv(args.start_timeout)
    except (TimeoutError, ConnectionError):
        raise RuntimeError("the worker harness did not start: %s" % box.log_tail(800))
    if hello != {"op": "hello"} or judge.pid is None:
        raise RuntimeError("the worker harness did not say hello")
    tests, benches = task["tests"], task.get("benchmarks") or []
    # calibration: the trusted no-op, before the submission exists in the worker
    timed_cases = benches or tests[:1]
    calib = []
    for case in timed_cases:
        samples = []
        for _ in range(args.reps + 1):
            rec, err = judge.call(judge.inputs(case, fresh_seed()), True, "no-op")
            if rec is None:
                raise RuntimeError("the no-op worker failed: %s" % err)
            samples.append(rec["ns"])
        calib.append(statistics.median(samples[1:]))
    judge.calls.clear()
    report["calibration"] = {"noopMedianNs": [int(c) for c in calib],
                             "method": "median of %d no-op calls per timed case in the same worker before the "
                                       "submission was imported (input copy, call, output read)" % args.reps}
    judge.send({"op": "load"})
    try:
        msg = judge.recv(args.load_timeout)
    except TimeoutError:
        return fail(report, "kernel.timeout", "the submission did not load within %ds" % args.load_timeout)
    except ConnectionError:
        return worker_gone(judge, report, "while loading the submission")
    if msg.get("op") == "error":
        return fail(report, "kernel.load_failed", "the submission failed to import in the sandbox",
                    str(msg.get("text", ""))[-1500:])
    if msg != {"op": "ready"}:
        raise Tampering("kernel.forged_channel", "unexpected answer to load", json.dumps(msg)[:200])

    cases = []
    previous = None
    failures = []

    def one(case, label):
        nonlocal previous
        data = judge.inputs(case, fresh_seed())
        pristine = judge.torch.utils._pytree.tree_map(
            lambda x: x.clone() if isinstance(x, judge.torch.Tensor) else x, data)
        if previous is not None:
            judge.reread(previous)
        try:
            rec, err = judge.call(data, False, label)
        except TimeoutError:
            raise Failure("kernel.timeout", "%s did not finish within %ds" % (label, args.call_timeout))
        except ConnectionError:
            raise Failure("kernel.worker_died", "the worker died during %s" % label)
        if rec is None:
            raise Failure("kernel.raised", "the kernel raised during %s" % label, err)
        previous = rec
        return pristine, rec

    try:
        for i, case in enumerate(tests):
            pristine, rec = one(case, "test %d" % i)
            ok, msg = judge.check(pristine, rec)
            cases.append({"kind": "test", "index": i, "args": public(case), "calls": 1, "checked": 1,
                          "correct": ok, "message": msg[:500], "ns": rec["ns"]})
            if not ok:
                failures.append(("test %d" % i, msg))
        for i, case in enumerate(benches):
            batch = [one(case, "benchmark %d call %d" % (i, r)) for r in range(args.reps + 1)]
            # which calls are checked is drawn now, after the batch, from the OS's secret randomness
            k = max(1, math.ceil(len(batch) * args.check_fraction))
            drawn = sorted(secrets.SystemRandom().sample(range(len(batch)), k))
            bad = []
            for r in drawn:
                ok, msg = judge.check(*batch[r])
                if not ok:
                    bad.append((r, msg))
            times = [rec["ns"] for _p, rec in batch[1:]]  # the first call warms up
            med = statistics.median(times)
            cal = calib[i] if i < len(calib) else 0
            cases.append({"kind": "benchmark", "index": i, "args": public(case), "calls": len(batch), "checked": k,
                          "checkedCalls": drawn, "correct": not bad, "message": bad[0][1][:500] if bad else "",
                          "medianNs": int(med), "minNs": int(min(times)), "noopNs": int(cal),
                          "kernelMedianNs": int(max(0, med - cal)),
                          "detection": "each wrong call is checked with probability %d/%d" % (k, len(batch))})
            if bad:
                failures.append(("benchmark %d call %d" % (i, bad[0][0]), bad[0][1]))
        # deferred work that lands later than the next call: re-read every output whose memory no later
        # output reuses (an honest kernel may compute each call into the same kept buffer)
        time.sleep(args.settle)
        for n, rec in enumerate(judge.calls):
            later = judge.calls[n + 1:]
            if not any(overlaps(rec, o) for o in later):
                judge.reread(rec, settled=True)
    except Failure as f:
        report["cases"] = cases
        if f.rule == "kernel.worker_died":
            return worker_gone(judge, report, str(f).replace("the worker died ", ""))
        return fail(report, f.rule, str(f), f.evidence)
    report["cases"] = cases
    judge.send({"op": "exit"})
    if failures:
        where, msg = failures[0]
        return fail(report, "kernel.wrong_output", "wrong output at %s: %s" % (where, msg[:300]),
                    "; ".join("%s: %s" % (w, m[:120]) for w, m in failures[:5]))
    report["outcome"] = "PASS"
    report["reason"] = "%d test(s) and %d benchmark(s) correct, timed by the judge" % (len(tests), len(benches))
    return report


def overlaps(a, b):
    for la in a["leaves"]:
        for lb in b["leaves"]:
            if la["ptr"] < lb["ptr"] + lb["_nbytes"] and lb["ptr"] < la["ptr"] + la["_nbytes"]:
                return True
    return False


class Failure(Exception):
    def __init__(self, rule, message, evidence=""):
        super().__init__(message)
        self.rule, self.evidence = rule, evidence


def worker_gone(judge, report, when):
    try:  # bubblewrap reports a child killed by signal N as exit 128 + N
        rc = judge.box.proc.wait(3)
    except subprocess.TimeoutExpired:
        rc = None
    if rc is not None and rc in (-signal.SIGSYS, 128 + signal.SIGSYS):
        raise Tampering("kernel.forbidden_syscall", "the worker was killed by the seccomp filter (SIGSYS) %s" % when)
    return fail(report, "kernel.worker_died", "the worker died %s (exit %s)" % (when, rc), judge.box.log_tail(800))


def fail(report, rule, message, evidence=""):
    report["outcome"] = "FAIL"
    report["reason"] = message
    report.setdefault("findings", []).append({"rule": rule, "severity": "HIGH", "message": message,
                                              "evidence": evidence[-1500:]})
    return report


def judge_one(a):
    report = {"schema": SCHEMA, "outcome": "ERROR", "reason": "", "findings": []}
    started = time.monotonic()
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    try:
        run(a, report)
    except NotRun as e:
        report["outcome"], report["reason"] = "NOT_RUN", str(e)
    except TaskError as e:
        report["outcome"], report["reason"] = "NOT_RUN", "the task is invalid: %s" % e
    except Tampering as e:
        report["outcome"], report["reason"] = "HACKED", str(e)
        report["findings"].append({"rule": e.rule, "severity": "CRITICAL", "message": str(e),
                                   "evidence": e.evidence})
    except Exception as e:
        report["outcome"], report["reason"] = "ERROR", "the judge failed: %s: %s" % (type(e).__name__, e)
        report["trace"] = traceback.format_exc()[-3000:]
    finally:
        # the next job of a batch must not see this task's modules (reference, task, utils)
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            if not name.startswith("torch") and not name.startswith("yaml"):
                del sys.modules[name]
    report["durationMs"] = int((time.monotonic() - started) * 1000)
    tmp = a.report + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f, indent=1, default=str)
    os.replace(tmp, a.report)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task")
    p.add_argument("--submission")
    p.add_argument("--report")
    p.add_argument("--batch", help="a JSON list of {task, submission, report}: one judge, a fresh worker each")
    p.add_argument("--harness", required=True)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--device", default="cpu")
    p.add_argument("--uid", type=int, default=65534)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--check-fraction", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--call-timeout", type=int, default=30)
    p.add_argument("--start-timeout", type=int, default=60)
    p.add_argument("--load-timeout", type=int, default=300)
    p.add_argument("--cpu-seconds", type=int, default=300)
    p.add_argument("--memory-bytes", type=int, default=4 << 30)
    p.add_argument("--settle", type=float, default=0.2)
    a = p.parse_args()
    a.harness = os.path.realpath(a.harness)
    if a.batch:
        with open(a.batch) as f:
            jobs = json.load(f)
    else:
        if not (a.task and a.submission and a.report):
            p.error("--task, --submission and --report, or --batch")
        jobs = [{"task": a.task, "submission": a.submission, "report": a.report}]
    for job in jobs:
        one = argparse.Namespace(**vars(a))
        one.task, one.submission, one.report = os.path.realpath(job["task"]), job["submission"], job["report"]
        judge_one(one)


if __name__ == "__main__":
    main()
