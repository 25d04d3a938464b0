package io.airlock.guard.engine.kernel;

import io.airlock.contracts.Finding;
import io.airlock.formats.python.Ast;
import io.airlock.formats.python.Ast.*;
import io.airlock.formats.python.Parser;
import io.airlock.formats.python.PySyntaxError;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Detects benchmark exploits in a kernel submission by walking its syntax tree (never its text:
 * what is only written in a comment or a docstring is not code). One finding per rule and line,
 * with the source line as evidence. Stateless and thread-safe: every call builds its own state.
 */
public final class KernelAnalyzer {
    public static final String STAGE = "precheck";
    private static final int MAX_EXEC_NESTING = 2;

    private static final Set<String> TIMING = Set.of("torch.cuda.synchronize", "torch.cuda.Event",
            "torch.cuda.Event.elapsed_time", "torch.cuda.Event.record", "torch.cuda.Event.synchronize",
            "torch.cuda.Event.query", "torch.cuda.Event.wait", "torch.cuda.event.Event", "torch.cuda.streams.Event",
            "torch.cuda.streams.Event.elapsed_time", "torch.cuda.current_stream", "torch.cuda.default_stream",
            "torch.cuda.Stream", "torch.cuda.Stream.synchronize", "torch.cuda.streams.Stream",
            "torch.cuda.Stream.wait_event", "torch.cuda.Stream.wait_stream", "torch.cuda.Stream.query",
            "torch.cuda.elapsed_time", "torch.cuda.CUDAGraph.replay", "torch.cuda.graphs.CUDAGraph.replay",
            "torch.cuda.cudart", "torch.cuda.profiler.start", "torch.cuda.profiler.stop",
            "torch._C._cuda_synchronize", "torch.cuda.nvtx.range_push", "torch.cuda.nvtx.range_pop",
            "time.time", "time.time_ns", "time.perf_counter", "time.perf_counter_ns", "time.monotonic",
            "time.monotonic_ns", "time.process_time", "time.process_time_ns", "time.thread_time", "time.sleep",
            "timeit.default_timer", "timeit.timeit", "timeit.Timer", "triton.testing.do_bench",
            "triton.testing.do_bench_cudagraph", "torch.utils.benchmark.Timer", "torch.utils.benchmark.Timer.timeit",
            "torch.utils.benchmark.Timer.blocked_autorange");
    private static final Set<String> CHECKS = Set.of("torch.allclose", "torch.equal", "torch.isclose",
            "torch.testing.assert_close", "torch.testing.assert_allclose", "torch.Tensor.__eq__",
            "torch.Tensor.allclose", "torch.Tensor.equal", "numpy.allclose", "numpy.testing.assert_allclose",
            "torch.Tensor.__ne__", "torch.Tensor.__bool__");
    /** Module attributes meant to be set: configuration namespaces. */
    private static final List<String> CONFIG_WRITES = List.of("torch.backends.", "torch._dynamo.config.",
            "torch._inductor.config.", "torch._functorch.config.", "torch.jit._state.", "torch._C._jit_",
            "triton.runtime.cache.", "numpy.set_printoptions");
    private static final Set<String> CODE_ATTRS = Set.of("__code__", "__globals__", "__builtins__", "__closure__",
            "__defaults__", "__kwdefaults__", "__dict__", "__class__", "__bases__", "__mro__", "__subclasses__",
            "f_back", "f_globals", "f_locals", "f_code", "f_builtins", "gi_frame", "cr_frame", "tb_frame");
    private static final Set<String> FRAME_CALLS = Set.of("sys._getframe", "sys._current_frames", "inspect.currentframe",
            "inspect.stack", "inspect.getouterframes", "inspect.getframeinfo", "inspect.trace", "traceback.extract_stack",
            "traceback.walk_stack", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "ctypes.pythonapi",
            "sys.getrefcount");
    private static final Set<String> TRACE_CALLS = Set.of("sys.settrace", "sys.setprofile", "threading.settrace",
            "threading.setprofile", "sys.addaudithook", "sys.setrecursionlimit", "sys.monitoring.register_callback");
    private static final Set<String> EXEC_CALLS = Set.of("exec", "eval", "compile", "builtins.exec", "builtins.eval",
            "builtins.compile", "types.FunctionType", "types.CodeType", "types.LambdaType", "runpy.run_path",
            "runpy.run_module", "code.InteractiveInterpreter", "importlib.util.spec_from_file_location",
            "importlib.util.module_from_spec", "importlib.machinery.SourceFileLoader");
    private static final Set<String> DESERIALIZE = Set.of("marshal.loads", "marshal.load", "pickle.loads", "pickle.load",
            "dill.loads", "cloudpickle.loads", "_pickle.loads");
    private static final Set<String> DECODERS = Set.of("base64.b64decode", "base64.b32decode", "base64.b16decode",
            "base64.b85decode", "base64.a85decode", "base64.decodebytes", "base64.urlsafe_b64decode", "codecs.decode",
            "zlib.decompress", "bz2.decompress", "lzma.decompress", "gzip.decompress", "binascii.unhexlify",
            "binascii.a2b_base64", "binascii.a2b_hex", "bytes.fromhex", "bytearray.fromhex", "chr", "marshal.loads",
            "pickle.loads");
    private static final List<String> PROCESS_PREFIXES = List.of("subprocess.", "os.system", "os.popen", "os.exec",
            "os.spawn", "os.posix_spawn", "pty.spawn", "os.fork", "os.forkpty", "commands.", "sh.", "plumbum.");
    private static final Set<String> NETWORK_ROOTS = Set.of("socket", "urllib", "urllib2", "urllib3", "http", "requests",
            "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib", "xmlrpc", "websocket", "websockets", "paramiko",
            "poplib", "imaplib", "ssl", "grpc", "zmq");
    private static final List<String> DEFERRED_PREFIXES = List.of("threading.Thread", "threading.Timer",
            "concurrent.futures.", "multiprocessing.", "asyncio.create_task", "asyncio.ensure_future",
            "asyncio.get_event_loop", "asyncio.new_event_loop", "_thread.start_new_thread", "os.fork");
    private static final Set<String> EXIT_CALLS = Set.of("atexit.register", "os._exit", "sys.exit", "exit", "quit",
            "builtins.exit", "signal.signal", "signal.alarm", "signal.setitimer", "os.kill");
    private static final Set<String> ENV_READS = Set.of("os.environ", "os.getenv", "os.environ.get", "os.getenvb",
            "sys.argv", "sys.orig_argv", "sys.flags", "torch.cuda.is_current_stream_capturing",
            "torch._C._cuda_isCurrentStreamCapturing", "torch.compiler.is_compiling", "torch._dynamo.is_compiling",
            "sys._getframe", "inspect.stack", "socket.gethostname", "platform.node", "getpass.getuser", "os.getpid",
            "os.getppid", "sys.gettrace", "sys.getprofile");
    /** The last parts of ENV_READS: a cheap test of whether a file reads the environment at all. */
    private static final Set<String> ENV_LEAVES = ENV_READS.stream().map(KernelAnalyzer::lastPart)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    private static final Set<String> HARNESS_MODULES = Set.of("reference", "ref", "eval", "evaluation", "harness",
            "grader", "checker", "judge", "run_eval", "eval_utils");
    private static final Set<String> HARNESS_NAMES = Set.of("ref_kernel", "reference_kernel", "ref_impl",
            "reference_impl", "check_implementation", "generate_input", "make_match_reference", "compute_reference",
            "reference_output");
    private static final Set<String> ENTRY_POINTS = Set.of("custom_kernel", "forward", "solution", "kernel_fn",
            "entry", "run_kernel");
    /**
     * Classes whose methods the harness calls (KernelBench's ModelNew); any other class's forward is
     * a helper module (an identity layer is honest there).
     */
    private static final Set<String> ENTRY_CLASSES = Set.of("ModelNew", "Model", "Solution");
    /** Modules whose attributes reached by a computed name are a way to hide exec, system, or a patch target. */
    private static final Set<String> SENSITIVE_MODULES = Set.of("builtins", "os", "sys", "subprocess", "importlib",
            "ctypes", "socket", "gc", "inspect", "marshal", "pickle", "__main__", "torch.cuda", "time", "pty", "shutil");
    static final Set<String> TRIVIAL_METHODS = Set.of("clone", "detach", "contiguous", "view", "reshape", "to",
            "cuda", "float", "half", "bfloat16", "type", "view_as", "reshape_as", "expand", "expand_as", "squeeze",
            "unsqueeze", "flatten", "t", "transpose", "permute", "size", "numel", "dim", "data_ptr", "new_empty",
            "new_zeros", "new_ones", "empty_like", "zeros_like", "ones_like", "requires_grad_", "cpu", "item");
    private static final Set<String> TRIVIAL_FUNCS = Set.of("torch.empty_like", "torch.zeros_like", "torch.ones_like",
            "torch.empty", "torch.zeros", "torch.ones", "torch.empty_strided", "torch.full_like", "torch.as_strided",
            "len", "isinstance", "range", "tuple", "list", "getattr", "int", "float", "print");
    private static final Pattern RESULT_TEXT = Pattern.compile("(?i)(\\b\\d+(\\.\\d+)?\\s*(ms|us|µs|μs|ns|sec|seconds)\\b"
            + "|tflops|gflops|speed-?up|latency|\\belapsed\\b|geomean|benchmark|\\bruntime\\b|\\bpassed\\b|\\bscore\\b|✓|✅)");
    /** Calls that hand back their text argument reshaped, not rewritten: what they return is as readable. */
    private static final Set<String> READABLE_TEXT_CALLS = Set.of("textwrap.dedent", "inspect.cleandoc");
    private static final Set<String> STREAM_JOINS = Set.of("wait_stream", "wait_event", "synchronize", "join");

    private final String file;
    private final String[] lines;
    private final Map<String, Finding> findings = new LinkedHashMap<>();
    private final Names names = new Names();
    /** Variables holding an environment read, and the read. */
    private final Map<String, String> envVars = new java.util.HashMap<>();
    private final int execNesting;
    private boolean sideStream;
    private int sideStreamLine;
    private boolean joined;
    /** Lines under {@code if __name__ == "__main__":}, which never run when the harness imports the file. */
    private final Set<Integer> mainOnly = new java.util.HashSet<>();
    private static final Set<KernelRule> NOT_UNDER_MAIN = Set.of(KernelRule.FAKE_OUTPUT, KernelRule.ENV_BRANCH,
            KernelRule.EXIT_HOOK);

    private KernelAnalyzer(String file, String source, int execNesting) {
        this.file = file;
        this.lines = source.split("\n", -1);
        this.execNesting = execNesting;
    }

    /** Findings for one kernel source; {@code file} names it in locations. */
    /**
     * A C, C++ or CUDA submission ({@code lang: cu} tasks, compiled with the task's harness): the
     * native rules of inline sources, over the whole file.
     */
    public static List<Finding> analyzeNative(String source, String file) {
        List<Finding> out = new ArrayList<>();
        for (NativeSource.Hit h : NativeSource.scan(source)) {
            out.add(new Finding(h.rule().id(), h.rule().severity(), STAGE, file + ":" + h.line(),
                    "native code " + h.why() + ": " + h.rule().explanation(), cut(h.text())));
        }
        return out;
    }

    public static List<Finding> analyze(String source, String file) {
        KernelAnalyzer a = new KernelAnalyzer(file, source, 0);
        a.run(source);
        return new ArrayList<>(a.findings.values());
    }

    private void run(String source) {
        PyModule m;
        try {
            m = Parser.parse(source);
        } catch (PySyntaxError e) {
            add(KernelRule.UNPARSEABLE, e.line(), e.getMessage());
            return;
        } catch (RuntimeException | StackOverflowError e) {
            // a parser defect must not become an allow: fail closed, and say so
            add(KernelRule.UNPARSEABLE, 1, "the parser failed: " + e);
            return;
        }
        List<Node> all = flatten(m.body());
        bindNames(all);
        bindEnvVars(all);
        for (Stmt s : m.body()) {
            if (s instanceof If i && isMainGuard(i.test())) {
                flatten(i.body()).forEach(n -> mainOnly.add(n.line()));
            }
        }
        for (Node n : all) {
            visit(n);
        }
        if (sideStream && !joined) {
            add(KernelRule.DEFERRED_WORK, sideStreamLine, "work is queued on a side CUDA stream that is never joined "
                    + "(no wait_stream, wait_event or synchronize): the timed stream finishes before it does");
        }
        OutputReplay replay = new OutputReplay(m.body());
        for (Stmt s : m.body()) {
            entryPoints(s, replay);
        }
    }

    /** Every node, iteratively (no recursion: a deep tree cannot exhaust the stack), in source order. */
    static List<Node> flatten(List<Stmt> body) {
        List<Node> out = new ArrayList<>();
        Deque<Node> stack = new ArrayDeque<>();
        for (int i = body.size() - 1; i >= 0; i--) {
            stack.push(body.get(i));
        }
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            out.add(n);
            List<Node> c = Ast.children(n);
            for (int i = c.size() - 1; i >= 0; i--) {
                stack.push(c.get(i));
            }
        }
        return out;
    }

    private void bindNames(List<Node> all) {
        for (Node n : all) {
            if (n instanceof ClassDef k) {
                names.localClasses.add(k.name());
            }
            if (n instanceof Import i) {
                names.importStmt(i);
            } else if (n instanceof ImportFrom f) {
                names.importFrom(f);
            }
        }
        // twice, so an alias of an alias defined later in the file resolves too
        for (int pass = 0; pass < 2; pass++) {
            for (Node n : all) {
                if (n instanceof Assign a) {
                    for (Expr t : a.targets()) {
                        names.assign(t, a.value());
                    }
                } else if (n instanceof AnnAssign a && a.value() != null) {
                    names.assign(a.target(), a.value());
                }
            }
        }
    }

    private void visit(Node n) {
        if (n instanceof Import i) {
            for (Alias a : i.names()) {
                imported(a.name(), i.line());
            }
        } else if (n instanceof ImportFrom f) {
            imported(f.module(), f.line());
            for (Alias a : f.names()) {
                if (HARNESS_NAMES.contains(a.name())) {
                    add(KernelRule.REFERENCE_CALL, f.line(), "imports '" + a.name() + "' from the harness");
                }
                if (!f.module().isEmpty()) {
                    imported(f.module() + "." + a.name(), f.line());
                }
            }
        } else if (n instanceof Assign a) {
            a.targets().forEach(t -> write(t, a.line()));
        } else if (n instanceof AugAssign a) {
            write(a.target(), a.line());
        } else if (n instanceof AnnAssign a && a.value() != null) {
            write(a.target(), a.line());
        } else if (n instanceof Delete d) {
            d.targets().forEach(t -> write(t, d.line()));
        } else if (n instanceof Call c) {
            call(c);
        } else if (n instanceof Attr a) {
            if (CODE_ATTRS.contains(a.attr()) && !a.attr().equals("__dict__") && !a.attr().equals("__class__")) {
                add(KernelRule.INTROSPECTION, a.line(), "reads '" + a.attr() + "', the inside of a function, frame or class");
            }
            String c = names.canon(a);
            if (c != null && (c.equals("__main__") || c.startsWith("__main__."))) {
                add(KernelRule.HARNESS_PATCH, a.line(), "reaches into __main__, the harness's own namespace");
            }
        } else if (n instanceof Subscript s) {
            String c = names.canon(s);
            if (c != null && (c.equals("__main__") || c.startsWith("__main__."))) {
                add(KernelRule.HARNESS_PATCH, s.line(), "reaches into __main__ through sys.modules");
            }
        } else if (n instanceof If i) {
            branch(i.test(), i.line());
        } else if (n instanceof While w) {
            branch(w.test(), w.line());
        } else if (n instanceof IfExp x) {
            branch(x.test(), x.line());
        } else if (n instanceof Match x) {
            branch(x.subject(), x.line());
            for (MatchCase k : x.cases()) {
                if (k.guard() != null) {
                    branch(k.guard(), k.line());
                }
            }
        } else if (n instanceof FunctionDef f) {
            if (f.name().equals("__torch_function__") || f.name().equals("__torch_dispatch__")) {
                add(KernelRule.DEFERRED_WORK, f.line(), "defines " + f.name() + ": a tensor subclass that intercepts "
                        + "torch calls can defer or fake the work");
            }
        }
    }

    private void imported(String module, int line) {
        if (module == null || module.isEmpty()) {
            return;
        }
        String root = module.contains(".") ? module.substring(0, module.indexOf('.')) : module;
        if (HARNESS_MODULES.contains(root)) {
            add(KernelRule.REFERENCE_CALL, line, "imports the harness module '" + module + "'");
        }
        if (NETWORK_ROOTS.contains(root)) {
            add(KernelRule.NETWORK, line, "imports '" + module + "', a network client");
        }
        if (root.equals("__main__")) {
            add(KernelRule.HARNESS_PATCH, line, "imports __main__, the harness's own namespace");
        }
        if (root.equals("pip") || module.startsWith("setuptools.command") || root.equals("ensurepip")) {
            add(KernelRule.PACKAGE_INSTALL, line, "imports the package installer '" + module + "'");
        }
        if (root.equals("ctypes") || root.equals("cffi")) {
            add(KernelRule.CTYPES, line, "imports " + root + ": direct calls into native libraries");
        }
        if (root.equals("cuda")) {
            // cuda-python (cuda.bindings.driver for CuTe DSL's streams) and cuTile (cuda.tile) are how
            // honest DSL kernels reach the device; patching them is a module patch (its own rule),
            // calling them is evidence: the judge's clock is not in the submission's process
            add(KernelRule.CUDA_PYTHON, line, "imports '" + module + "' (cuda-python / cuTile)");
        }
        if (module.equals("utils.make_match_reference")) {
            add(KernelRule.REFERENCE_CALL, line, "imports the harness's reference checker");
        }
    }

    /** An assignment or deletion target. */
    private void write(Expr target, int line) {
        if (target instanceof Seq s) {
            s.elts().forEach(e -> write(e, line));
            return;
        }
        if (target instanceof Starred s) {
            write(s.value(), line);
            return;
        }
        if (target instanceof Attr a) {
            attributeWrite(names.canon(a.value()), a.attr(), line);
        } else if (target instanceof Subscript s) {
            String base = names.canon(s.value());
            String through = names.canon(s);
            if (through != null && through.contains(".") && (base == null || !base.equals("sys.modules"))) {
                // vars(torch.cuda)["synchronize"] = f, torch.cuda.__dict__["x"] = f: an attribute write
                attributeWrite(through.substring(0, through.lastIndexOf('.')), lastPart(through), line);
            }
            if ("builtins".equals(base)) {
                add(KernelRule.HARNESS_PATCH, line, "replaces a builtin through __builtins__: every module sees it");
            } else if ("sys.modules".equals(base)) {
                add(KernelRule.HARNESS_PATCH, line, "replaces an entry of sys.modules: every later import gets the fake");
            } else if (base != null && base.endsWith(".__dict__") && names.isModulePath(base)) {
                add(KernelRule.HARNESS_PATCH, line, "writes the namespace of module " + base.replace(".__dict__", ""));
            } else if (s.value() instanceof Call g) {
                String f = names.canon(g.func());
                if ("globals".equals(f) || "vars".equals(f) || "builtins.globals".equals(f)) {
                    if ("vars".equals(f) && !g.args().isEmpty()) {
                        add(KernelRule.HARNESS_PATCH, line, "writes the namespace of " + names.canon(g.args().get(0)));
                    }
                }
            }
        }
    }

    private void attributeWrite(String base, String attr, int line) {
        if (base == null) {
            return;
        }
        String full = base + "." + attr;
        if (TIMING.contains(full) || TIMING.contains(full.replace(".streams.", ".").replace(".event.", "."))) {
            add(KernelRule.TIMER_PATCH, line, "replaces " + full + ", which the benchmark times with");
            return;
        }
        if (CHECKS.contains(full)) {
            add(KernelRule.MODULE_PATCH, line, "replaces " + full + ", which the correctness check uses");
            return;
        }
        if (Set.of("__code__", "__globals__", "__builtins__", "__closure__", "__defaults__", "__kwdefaults__")
                .contains(attr)) {
            add(KernelRule.HARNESS_PATCH, line, "rewrites " + attr + " of " + base + ": another function's code or globals");
            return;
        }
        if (names.isModulePath(base) && !names.isLocalClass(base) && CONFIG_WRITES.stream().noneMatch(full::startsWith)) {
            add(KernelRule.MODULE_PATCH, line, "replaces " + full + " for everyone who imported " + base);
        }
    }

    private void call(Call c) {
        String f = names.canon(c.func());
        int line = c.line();
        // a join on any stream object, however it was reached (current_stream().wait_stream(s))
        if (c.func() instanceof Attr a && STREAM_JOINS.contains(a.attr()) && (f == null || !f.startsWith("threading"))) {
            joined = true;
        }
        if (f == null) {
            return;
        }
        String method = c.func() instanceof Attr a ? a.attr() : f;
        if ((f.equals("getattr") || f.equals("builtins.getattr")) && c.args().size() >= 2
                && !(c.args().get(1) instanceof Const k && k.isStr())) {
            String base = names.canon(c.args().get(0));
            if (base != null && SENSITIVE_MODULES.contains(base) && names.isModulePath(base)) {
                add(KernelRule.DYNAMIC_IMPORT, line, "fetches an attribute of " + base + " by a computed name");
            }
        }
        if (f.equals("setattr") || f.equals("builtins.setattr") || f.equals("object.__setattr__")
                || f.equals("type.__setattr__")) {
            if (c.args().size() >= 2) {
                String base = names.canon(c.args().get(0));
                if (c.args().get(1) instanceof Const k && k.isStr()) {
                    attributeWrite(base, k.value(), line);
                } else if (names.isModulePath(base)) {
                    add(KernelRule.HARNESS_PATCH, line, "sets an attribute of module " + base + " by a computed name");
                }
            }
            return;
        }
        if (f.startsWith("sys.modules.") && Set.of("__setitem__", "update", "setdefault", "pop", "__delitem__", "clear")
                .contains(method)) {
            add(KernelRule.HARNESS_PATCH, line, "changes sys.modules: imports after this get what it put there");
        }
        if ((f.endsWith(".__dict__.update") || f.endsWith(".__dict__.__setitem__") || f.endsWith(".__dict__.setdefault"))
                && names.isModulePath(f)) {
            add(KernelRule.HARNESS_PATCH, line, "rewrites a module's namespace");
        }
        if (TRACE_CALLS.contains(f)) {
            add(KernelRule.HARNESS_PATCH, line, f + " hooks the interpreter itself");
        }
        if (FRAME_CALLS.contains(f)) {
            add(KernelRule.INTROSPECTION, line, f + " reaches the callers' frames or every live object");
        }
        if (HARNESS_NAMES.contains(lastPart(f))) {
            add(KernelRule.REFERENCE_CALL, line, "calls '" + lastPart(f) + "', the harness's reference or checker");
        }
        if (EXEC_CALLS.contains(f)) {
            boolean decoded = c.args().stream().anyMatch(this::decodes) || c.keywords().stream().anyMatch(k -> decodes(k.value()));
            if (decoded) {
                add(KernelRule.OBFUSCATED_EXEC, line, f + " runs code decoded at run time");
            } else {
                add(KernelRule.DYNAMIC_CODE, line, f + " runs code built at run time");
            }
            nested(c, line);
        }
        if (DESERIALIZE.contains(f)) {
            add(KernelRule.OBFUSCATED_EXEC, line, f + " deserializes objects, which can run code");
        }
        if ((f.equals("importlib.import_module") || f.equals("__import__") || f.equals("builtins.__import__")
                || f.equals("importlib.__import__")) && !c.args().isEmpty()) {
            if (c.args().get(0) instanceof Const k && k.isStr()) {
                imported(k.value(), line);
            } else {
                add(KernelRule.DYNAMIC_IMPORT, line, f + " imports a module whose name is computed");
            }
        }
        if (PROCESS_PREFIXES.stream().anyMatch(f::startsWith)) {
            String words = literals(c).toLowerCase(Locale.ROOT);
            if (words.matches("(?s).*\\b(pip3?|install|conda|mamba|uv|apt|apt-get|easy_install|poetry)\\b.*")) {
                add(KernelRule.PACKAGE_INSTALL, line, f + " installs packages at run time");
            } else {
                add(KernelRule.SUBPROCESS, line, f + " starts another program");
            }
        }
        if (f.startsWith("pip.") || f.startsWith("pip._internal")) {
            add(KernelRule.PACKAGE_INSTALL, line, f + " installs packages at run time");
        }
        if (f.startsWith("ctypes.") || f.startsWith("cffi.") || f.equals("CDLL") || f.endsWith(".dlopen")) {
            String words = literals(c).toLowerCase(Locale.ROOT);
            if (words.contains("cuda") || words.contains("nvrtc") || words.contains("nvidia") || words.contains("cupti")
                    || f.contains("cuda")) {
                add(KernelRule.CUDA_RUNTIME_CTYPES, line, f + " loads the CUDA runtime or driver directly");
            } else {
                add(KernelRule.CTYPES, line, f + " calls into a native library directly");
            }
        }
        String root = f.contains(".") ? f.substring(0, f.indexOf('.')) : f;
        if (NETWORK_ROOTS.contains(root) && names.isModulePath(f)) {
            add(KernelRule.NETWORK, line, f + " talks to the network");
        }
        if (DEFERRED_PREFIXES.stream().anyMatch(f::startsWith)) {
            add(KernelRule.DEFERRED_WORK, line, f + " runs work outside the measured call");
        }
        if (f.equals("torch.cuda.Stream") || f.equals("torch.cuda.streams.Stream") || f.equals("torch.cuda.ExternalStream")) {
            if (!sideStream) {
                sideStream = true;
                sideStreamLine = line;
            }
        }
        if (EXIT_CALLS.contains(f)) {
            add(KernelRule.EXIT_HOOK, line, f + " ends the process or hooks its exit");
        }
        if (f.equals("print") || f.equals("builtins.print") || f.endsWith("stdout.write") || f.endsWith("stderr.write")
                || f.startsWith("logging.") || f.equals("sys.stdout.writelines")) {
            String text = literals(c);
            if (RESULT_TEXT.matcher(text).find()) {
                add(KernelRule.FAKE_OUTPUT, line, "prints text that reads like benchmark results");
            }
        }
        if (f.equals("os.write") && !c.args().isEmpty() && c.args().get(0) instanceof Const k
                && (k.value().equals("1") || k.value().equals("2"))) {
            add(KernelRule.FAKE_OUTPUT, line, "writes straight to the process's standard output or error");
        }
        if (f.endsWith("cpp_extension.load_inline") || f.equals("load_inline")) {
            inlineSources(c, List.of("cpp_sources", "cuda_sources"), List.of(1, 2), line);
        } else if (f.endsWith("cpp_extension.load") || f.endsWith("cpp_extension.load_cuda")) {
            add(KernelRule.NATIVE_UNSEEN, line, f + " compiles source files that are not part of the submission");
        } else if (f.equals("cupy.RawKernel") || f.equals("cupy.RawModule") || f.equals("cupy.ElementwiseKernel")
                || f.equals("cupy.ReductionKernel") || f.equals("torch.cuda.jiterator._create_jit_fn")) {
            inlineSources(c, List.of("code"), List.of(0), line);
        }
    }

    private static String lastPart(String dotted) {
        return dotted.contains(".") ? dotted.substring(dotted.lastIndexOf('.') + 1) : dotted;
    }

    /** Whether an expression decodes data at run time (base64, zlib, hex, chr joins, .decode()). */
    private boolean decodes(Expr e) {
        for (Node n : flatten(List.of(new ExprStmt(e, e.line())))) {
            if (n instanceof Call c) {
                String f = names.canon(c.func());
                String m = c.func() instanceof Attr a ? a.attr() : "";
                if ((f != null && DECODERS.contains(f)) || m.equals("decode") || m.equals("fromhex")
                        || m.equals("b64decode") || m.equals("decompress") || m.equals("translate")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** exec("...") of a literal: analyze the literal as code too, so the patch inside is named. */
    private void nested(Call c, int line) {
        Expr arg = c.args().isEmpty() ? null : c.args().get(0);
        if (arg instanceof Name v && names.values.get(v.id()) instanceof Const held) {
            arg = held; // code = "..."; exec(code)
        }
        if (execNesting >= MAX_EXEC_NESTING || !(arg instanceof Const k) || !k.isStr()) {
            return;
        }
        KernelAnalyzer inner = new KernelAnalyzer(file, k.value(), execNesting + 1);
        inner.run(k.value());
        for (Finding f : inner.findings.values()) {
            if (!f.rule().equals(KernelRule.UNPARSEABLE.id())) {
                findings.putIfAbsent(f.rule() + "@" + line, new Finding(f.rule(), f.severity(), STAGE, file + ":" + line,
                        f.message() + " (inside the code passed to exec/eval)", evidence(line)));
            }
        }
    }

    /** All string literals under a call, joined: what a command line or a message says. */
    private String literals(Call c) {
        StringBuilder sb = new StringBuilder();
        for (Node n : flatten(List.of(new ExprStmt(c, c.line())))) {
            if (n instanceof Const k && (k.isStr() || k.kind().equals("bytes"))) {
                sb.append(k.value()).append(' ');
            } else if (n instanceof FStr s) {
                sb.append(s.literal()).append(' ');
            } else if (n instanceof Name nm && names.values.get(nm.id()) instanceof Const k && k.isStr()) {
                sb.append(k.value()).append(' ');
            }
        }
        return sb.toString();
    }

    private void branch(Expr test, int line) {
        String read = envRead(test);
        if (read != null) {
            add(KernelRule.ENV_BRANCH, line, "decides on " + read + ", which differs between test and benchmark runs");
        }
    }

    /** The environment read an expression depends on (directly, or through a variable assigned from one), or null. */
    private String envRead(Expr e) {
        for (Node n : flatten(List.of(new ExprStmt(e, e.line())))) {
            if (n instanceof Name v && envVars.containsKey(v.id())) {
                return v.id() + " (" + envVars.get(v.id()) + ")";
            }
            String c = n instanceof Expr x && (n instanceof Attr || n instanceof Name || n instanceof Call
                    || n instanceof Subscript) ? names.canon(n instanceof Call call ? call.func() : x) : null;
            if (c != null && ENV_READS.contains(c) && names.isModulePath(c)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Variables assigned from an environment read ({@code FAST = os.environ.get("BENCH") == "1"}),
     * so a later {@code if FAST:} is the same branch. Flow-insensitive, names only, to a fixed point.
     */
    private void bindEnvVars(List<Node> all) {
        if (all.stream().noneMatch(n -> n instanceof Attr a ? ENV_LEAVES.contains(a.attr())
                : n instanceof Name v && ENV_LEAVES.contains(v.id()))) {
            return; // nothing reads the environment: no variable can hold a read (the common case, kept cheap)
        }
        for (int pass = 0; pass < 4; pass++) {
            int before = envVars.size();
            for (Node n : all) {
                Expr value = n instanceof Assign a ? a.value() : n instanceof AnnAssign a ? a.value()
                        : n instanceof NamedExpr x ? x.value() : null;
                String read = value == null ? null : envRead(value);
                if (read == null) {
                    continue;
                }
                List<Expr> targets = n instanceof Assign a ? a.targets() : n instanceof AnnAssign a ? List.of(a.target())
                        : List.of(((NamedExpr) n).target());
                for (Expr t : targets) {
                    if (t instanceof Name v) {
                        envVars.putIfAbsent(v.id(), read.contains(" (") ? read.substring(read.indexOf(" (") + 2,
                                read.length() - 1) : read);
                    }
                }
            }
            if (envVars.size() == before) {
                return;
            }
        }
    }

    private void inlineSources(Call c, List<String> keywords, List<Integer> positions, int line) {
        List<Expr> sources = new ArrayList<>();
        for (String k : keywords) {
            Expr v = c.keyword(k);
            if (v != null) {
                sources.add(v);
            }
        }
        for (int p : positions) {
            if (p < c.args().size()) {
                sources.add(c.args().get(p));
            }
        }
        for (Expr s : sources) {
            List<String> texts = new ArrayList<>();
            if (!strings(s, texts, 0)) {
                add(KernelRule.NATIVE_UNSEEN, line, "inline native source that is not a literal in the submission");
                continue;
            }
            for (String text : texts) {
                for (NativeSource.Hit h : NativeSource.scan(text)) {
                    String key = h.rule().id() + "@" + line + ":" + h.line();
                    findings.putIfAbsent(key, new Finding(h.rule().id(), h.rule().severity(), STAGE,
                            file + ":" + line + " (inline source line " + h.line() + ")",
                            "inline native code " + h.why() + ": " + h.rule().explanation(), cut(h.text())));
                }
            }
        }
    }

    /** The literal strings an expression is made of; false when any part is not a literal. */
    private boolean strings(Expr e, List<String> out, int depth) {
        if (depth > 16 || e == null) {
            return false;
        }
        if (e instanceof Const k) {
            if (k.isStr() || k.kind().equals("None")) {
                out.add(k.isStr() ? k.value() : "");
                return true;
            }
            return false;
        }
        if (e instanceof FStr f) {
            // an f-string of constants is as readable as a literal: each field must be a constant
            // (a number, a string, or a name bound to one), whose text is inspected with the rest
            out.add(f.literal());
            for (Expr v : f.values()) {
                Expr bound = v instanceof Name n ? names.values.get(n.id()) : v;
                if (bound instanceof Const k && !k.isStr() && !k.kind().equals("None")) {
                    continue; // a number
                }
                if (!strings(v, out, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (e instanceof Call c && c.args().size() == 1 && c.keywords().isEmpty()
                && READABLE_TEXT_CALLS.contains(String.valueOf(names.canon(c.func())))) {
            return strings(c.args().get(0), out, depth + 1); // textwrap.dedent(<text>): the same text, re-indented
        }
        if (e instanceof Name n) {
            return strings(names.values.get(n.id()), out, depth + 1);
        }
        if (e instanceof Seq s) {
            for (Expr x : s.elts()) {
                if (!strings(x, out, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (e instanceof BinOp b && (b.op().equals("+") || b.op().equals("%"))) {
            return strings(b.left(), out, depth + 1) && (b.op().equals("%") || strings(b.right(), out, depth + 1));
        }
        if (e instanceof Call c && c.func() instanceof Attr a && (a.attr().equals("join") || a.attr().equals("format")
                || a.attr().equals("strip") || a.attr().equals("replace"))) {
            boolean ok = strings(a.value(), out, depth + 1);
            if (a.attr().equals("join") && !c.args().isEmpty()) {
                ok = strings(c.args().get(0), out, depth + 1);
            }
            return ok;
        }
        return false;
    }

    /** Entry points: a function the harness calls, checked for returning its input or a remembered output. */
    private void entryPoints(Stmt s, OutputReplay replay) {
        if (s instanceof FunctionDef f && ENTRY_POINTS.contains(f.name())) {
            entry(f, false, replay);
        } else if (s instanceof Assign a && a.value() instanceof Lambda l && a.targets().size() == 1
                && a.targets().get(0) instanceof Name n && ENTRY_POINTS.contains(n.id())) {
            // custom_kernel = lambda data: data[0]: the same as a def with one return
            entry(new FunctionDef(n.id(), l.params(), null, List.of(new Return(l.body(), l.line())), List.of(), false,
                    a.line()), false, replay);
        } else if (s instanceof ClassDef k && ENTRY_CLASSES.contains(k.name())) {
            for (Stmt m : k.body()) {
                if (m instanceof FunctionDef f && ENTRY_POINTS.contains(f.name())) {
                    entry(f, true, replay);
                }
            }
        }
    }

    private void entry(FunctionDef f, boolean method, OutputReplay replay) {
        for (Expr d : f.decorators()) {
            String c = names.canon(d instanceof Call call ? call.func() : d);
            if (c != null && (c.equals("functools.lru_cache") || c.equals("functools.cache") || c.endsWith("memoize"))) {
                add(KernelRule.OUTPUT_CACHE, f.line(), "the entry point caches its results (" + c + "): repeated "
                        + "benchmark calls are served from memory");
            }
        }
        List<Node> body = flatten(f.body());
        Set<String> inputs = new java.util.HashSet<>();
        f.params().forEach(p -> inputs.add(p.name()));
        inputs.remove("self");
        boolean computes = false;
        List<Return> returns = new ArrayList<>();
        for (Node n : body) {
            if (n instanceof Assign a && derivedFrom(a.value(), inputs)) {
                a.targets().forEach(t -> bindInputs(t, inputs));
            } else if (n instanceof Return r) {
                returns.add(r);
            } else if (n instanceof Call c && !trivialCall(c)) {
                computes = true;
            } else if (n instanceof AugAssign || n instanceof For || n instanceof While || n instanceof With
                    || (n instanceof BinOp b && !b.op().equals("%"))) {
                computes = true;
            }
        }
        replay.check(f, method, computes).ifPresent(h -> add(KernelRule.OUTPUT_CACHE, h.line(), h.message()));
        if (!computes && !returns.isEmpty()
                && returns.stream().allMatch(r -> r.value() != null && derivedFrom(r.value(), inputs))) {
            Return r = returns.get(0);
            add(KernelRule.IDENTITY_OUTPUT, r.line(), "'" + f.name() + "' returns its input (or a tensor shaped like "
                    + "it) and computes nothing");
        }
    }

    private static void bindInputs(Expr target, Set<String> inputs) {
        if (target instanceof Name n) {
            inputs.add(n.id());
        } else if (target instanceof Seq s) {
            s.elts().forEach(e -> bindInputs(e, inputs));
        } else if (target instanceof Starred s) {
            bindInputs(s.value(), inputs);
        }
    }

    /** An input, a part of it, or a trivial reshaping/allocation after it. */
    private boolean derivedFrom(Expr e, Set<String> inputs) {
        if (e instanceof Name n) {
            return inputs.contains(n.id());
        }
        if (e instanceof Subscript s) {
            return derivedFrom(s.value(), inputs);
        }
        if (e instanceof Attr a) {
            return derivedFrom(a.value(), inputs);
        }
        if (e instanceof Seq s) {
            return !s.elts().isEmpty() && s.elts().stream().allMatch(x -> derivedFrom(x, inputs));
        }
        if (e instanceof Call c) {
            String f = names.canon(c.func());
            if (f != null && TRIVIAL_FUNCS.contains(f) && f.startsWith("torch.")) {
                return !c.args().isEmpty() && derivedFrom(c.args().get(0), inputs);
            }
            return c.func() instanceof Attr a && TRIVIAL_METHODS.contains(a.attr()) && derivedFrom(a.value(), inputs);
        }
        return false;
    }

    private boolean trivialCall(Call c) {
        if (c.func() instanceof Attr a && TRIVIAL_METHODS.contains(a.attr())) {
            return true;
        }
        String f = names.canon(c.func());
        return f != null && TRIVIAL_FUNCS.contains(f);
    }

    private static boolean isMainGuard(Expr test) {
        return test instanceof Compare c && c.ops().size() == 1 && c.ops().get(0).equals("==")
                && c.left() instanceof Name n && n.id().equals("__name__")
                && c.comparators().get(0) instanceof Const k && k.value().equals("__main__");
    }

    private void add(KernelRule rule, int line, String message) {
        if (NOT_UNDER_MAIN.contains(rule) && mainOnly.contains(line)) {
            return; // a self-test block: the harness imports the module, so this never runs under it
        }
        findings.putIfAbsent(rule.id() + "@" + line, new Finding(rule.id(), rule.severity(), STAGE, file + ":" + line,
                message + " (" + rule.explanation() + ")", evidence(line)));
    }

    private String evidence(int line) {
        return line >= 1 && line <= lines.length ? cut(lines[line - 1].strip()) : "";
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
