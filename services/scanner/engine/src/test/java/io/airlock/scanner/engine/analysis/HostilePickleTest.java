package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.fixtures.PickleBuilder;
import io.airlock.formats.ByteSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static io.airlock.fixtures.PickleBuilder.calling;
import static io.airlock.fixtures.PickleBuilder.callingProto2;
import static io.airlock.fixtures.PickleBuilder.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Hostile pickles, each a published scanner bypass or a rule of the pickle analysis, re-created
 * opcode by opcode; each must raise its rule at its severity (and so would fail if the check were
 * removed). The format comes from the sniffer, as in the engine.
 */
class HostilePickleTest {
    static final String DANGEROUS = "pickle.dangerous_import";

    static Stream<Arguments> dangerousGlobals() {
        return Stream.of(
                "os.system", "posix.system", "nt.system", "subprocess.Popen", "subprocess.check_output",
                "builtins.eval", "builtins.exec", "builtins.compile", "builtins.__import__", "builtins.getattr",
                "builtins.open", "builtins.breakpoint", "sys.modules", "importlib.import_module", "pkgutil.resolve_name",
                "pydoc.locate", "runpy._run_code", "code.InteractiveInterpreter", "_posixsubprocess.fork_exec",
                "pty.spawn", "shutil.rmtree", "socket.create_connection", "urllib.request.urlopen", "requests.get",
                "webbrowser.open", "ctypes.CDLL", "marshal.loads", "types.CodeType", "types.FunctionType",
                "operator.attrgetter", "operator.methodcaller", "functools.partial", "asyncio.unix_events._UnixSubprocessTransport",
                "asyncio.subprocess.create_subprocess_shell", "uuid._get_command_stdout", "_osx_support._read_output",
                "imaplib.IMAP4_stream", "profile.run", "cProfile.run", "doctest.debug_script", "idlelib.pyshell.main",
                "ensurepip._run_pip", "venv.create", "logging.FileHandler", "_io.FileIO", "torch.jit.load",
                "torch._C._jit_pass_inline", "torch.hub.load", "torch.load", "torch.storage._load_from_bytes",
                "numpy.load", "numpy.testing._private.utils.runstring", "pickle.loads", "_pickle.loads", "dill.loads",
                "pip.main", "pip._internal.main", "timeit.timeit", "platform.popen", "multiprocessing.Process",
                "_bootsubprocess.check_output", "antigravity.geohash", "_frozen_importlib._gcd_import",
                "_frozen_importlib_external.SourceFileLoader", "_imp.create_dynamic", "numpy._core.memmap.memmap",
                "numpy.core.memmap.memmap", "numpy._core.multiarray.fromfile", "joblib.numpy_pickle.load", "joblib.dump",
                "gzip.open", "bz2.open", "lzma.open", "io.open_code", "winreg.SetValue", "_operator.attrgetter",
                "_operator.methodcaller", "_functools.partial", "_functools.reduce", "_signal.signal", "_sqlite3.connect",
                "_ssl._SSLContext", "_tkinter.create", "unittest.main")
                .map(q -> arguments(q, calling(q.substring(0, q.lastIndexOf('.')), q.substring(q.lastIndexOf('.') + 1), "id")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dangerousGlobals")
    void dangerousGlobalsAreCritical(String qualified, byte[] pickle) throws IOException {
        assertThat(scan(pickle)).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo(DANGEROUS);
            assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(f.message()).contains(qualified);
            assertThat(f.evidence()).contains("REDUCE").contains("'id'");
        });
    }

    static Stream<Arguments> bypasses() {
        return Stream.of(
                // protocol 0: GLOBAL, STRING argument, TUPLE, REDUCE
                arguments("protocol 0 GLOBAL os.system", "cos\nsystem\n(S'echo pwned'\ntR.".getBytes(StandardCharsets.ISO_8859_1),
                        DANGEROUS, Severity.CRITICAL),
                arguments("INST opcode", p().mark().string("'id'").inst("os", "system").stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("OBJ opcode", p().mark().global("os", "system").string("'id'").op('o').stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("NEWOBJ with subprocess.Popen", p().proto(2).global("subprocess", "Popen").mark().binUnicode("id").tuple()
                        .newobj().stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("dotted name pathlib + os.system", calling("pathlib", "os.system", "id"), DANGEROUS, Severity.CRITICAL),
                arguments("dotted name through a safe module", calling("collections", "os.system", "id"), DANGEROUS, Severity.CRITICAL),
                arguments("numpy.__builtins__", p().proto(4).stackGlobal("numpy", "__builtins__").stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("dunder walk torch.nn.modules.Module.__init__.__globals__",
                        p().proto(4).stackGlobal("torch.nn.modules.module", "Module.__init__.__globals__").stop().bytes(),
                        DANGEROUS, Severity.CRITICAL),
                arguments("memo-fetched names for STACK_GLOBAL", p().proto(4).str("os").binput(0).pop().str("system").binput(1).pop()
                        .binget(0).binget(1).stackGlobal().mark().str("id").tuple().reduce().stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("memo names via LONG_BINPUT and MEMOIZE", p().proto(4).str("subprocess").memoize().str("getoutput")
                        .longBinput(70000).op('0').op('0').binget(0).longBinget(70000).stackGlobal().mark().str("id").tuple()
                        .reduce().stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("protocol 0 STRING operands to STACK_GLOBAL", p().proto(2).string("'os'").string("'system'").stackGlobal()
                        .mark().string("'id'").tuple().reduce().stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("STRING operands with escapes", p().proto(2).string("'o\\x73'").string("\"sys\\164em\"").stackGlobal()
                        .stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("BINSTRING and SHORT_BINSTRING operands", p().proto(2).binString("os").shortBinString("system").stackGlobal()
                        .stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("protocol 0 UNICODE operands with escapes", p().unicode("\\u006fs").unicode("system").stackGlobal()
                        .stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("protocol 0 memo via PUT and GET", p().string("'os'").put(7).op('0').get(7).string("'system'")
                        .stackGlobal().stop().bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("Python 2 module commands -> subprocess", callingProto2("commands", "getoutput", "id"), DANGEROUS, Severity.CRITICAL),
                arguments("Python 2 __builtin__.eval", callingProto2("__builtin__", "eval", "1"), DANGEROUS, Severity.CRITICAL),
                arguments("cPickle.loads nested unpickling", callingProto2("cPickle", "loads", "x"), DANGEROUS, Severity.CRITICAL),
                arguments("getattr gadget: a call on a call's result", p().proto(4).stackGlobal("builtins", "getattr").mark()
                        .stackGlobal("collections", "OrderedDict").str("fromkeys").tuple().reduce().mark().str("x").tuple()
                        .reduce().stop().bytes(), "pickle.dynamic_call", Severity.HIGH),
                arguments("name computed at load time", p().proto(4).call("collections", "OrderedDict").str("x").stackGlobal().stop()
                        .bytes(), "pickle.dynamic_import", Severity.HIGH),
                arguments("memo value that is not a string", p().proto(4).call("collections", "OrderedDict").binput(3).op('0')
                        .str("os").binget(3).stackGlobal().stop().bytes(), "pickle.dynamic_import", Severity.HIGH),
                arguments("POP after REDUCE: a discarded call", p().proto(4).call("mylib", "side_effect", "x").pop().none().stop().bytes(),
                        "pickle.discarded_call", Severity.HIGH),
                arguments("POP_MARK discarding a call", p().proto(4).mark().call("mylib", "side_effect").popMark().none().stop().bytes(),
                        "pickle.discarded_call", Severity.HIGH),
                arguments("call left under the result at STOP", p().proto(4).call("mylib", "side_effect").none().stop().bytes(),
                        "pickle.discarded_call", Severity.HIGH),
                arguments("BUILD on a module: monkey-patching", p().proto(4).stackGlobal("torch", "nn").emptyDict().str("x").none()
                        .setitem().build().stop().bytes(), "pickle.global_mutation", Severity.HIGH),
                arguments("extension registry code", p().proto(2).op(0x82).op(1).emptyTuple().reduce().stop().bytes(),
                        "pickle.extension_code", Severity.HIGH),
                arguments("out-of-band buffer", p().proto(5).op(0x97).stop().bytes(), "pickle.out_of_band", Severity.HIGH),
                arguments("persistent id outside an archive", p().proto(2).binUnicode("x").binpersid().stop().bytes(),
                        "pickle.persistent_id", Severity.MEDIUM),
                arguments("unknown global only referenced", p().proto(2).global("mylib", "Model").stop().bytes(),
                        "pickle.unknown_import", Severity.MEDIUM),
                arguments("unknown global called", calling("mylib", "Model"), "pickle.unlisted_call", Severity.HIGH),
                arguments("harmless builtin called is HIGH, not CRITICAL", calling("builtins", "len", "id"),
                        "pickle.unlisted_call", Severity.HIGH),
                arguments("class of the saving script", calling("__main__", "Model"), "pickle.needs_code", Severity.HIGH),
                arguments("missing memo key", p().proto(2).binget(9).stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("negative PUT key", p().none().ascii("p-1\n").stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("payload before a broken stream", p().proto(2).global("os", "system").mark().binUnicode("id").tuple()
                        .reduce().raw((byte) 0xff, (byte) 0xfe).bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("broken stream itself", p().proto(2).global("os", "system").mark().binUnicode("id").tuple().reduce()
                        .raw((byte) 0xff).bytes(), "pickle.malformed", Severity.HIGH),
                arguments("FRAME longer than its content", p().proto(4).frame(100).none().stop().raw(new byte[20]).bytes(),
                        "pickle.malformed", Severity.HIGH),
                arguments("FRAME shorter than its content", p().proto(4).frame(1).str("os").op(0x2e).bytes(), "pickle.malformed", Severity.HIGH),
                arguments("FRAME inside a FRAME", p().proto(4).frame(11).frame(2).none().stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("STOP before the end of its FRAME", p().proto(4).frame(4).none().stop().none().none().bytes(),
                        "pickle.malformed", Severity.HIGH),
                arguments("truncated string length", p().proto(4).op('X').le(1L << 31, 4).raw((byte) 'a').bytes(), "pickle.malformed",
                        Severity.HIGH),
                arguments("BINUNICODE8 length over 2^63", p().proto(4).op(0x8d).le(-1, 8).bytes(), "pickle.malformed", Severity.HIGH),
                arguments("STACK_GLOBAL with bytes operands", p().proto(4).shortBinBytes("os".getBytes()).shortBinBytes("system".getBytes())
                        .stackGlobal().stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("stack underflow", p().proto(2).reduce().stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("unknown opcode", p().proto(2).op(0xf0).stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("DICT with an odd count", p().proto(2).mark().none().op('d').stop().bytes(), "pickle.malformed", Severity.HIGH),
                arguments("trailing data after STOP", p().proto(2).none().stop().raw((byte) 0xfe, (byte) 0xff, (byte) 1, (byte) 2).bytes(),
                        "pickle.trailing_data", Severity.HIGH),
                arguments("second pickle is the malicious one", concat(p().proto(2).none().stop().bytes(), calling("os", "system", "id")),
                        DANGEROUS, Severity.CRITICAL),
                arguments("pickle followed by a zip (polyglot)", concat(p().proto(2).none().stop().bytes(),
                        io.airlock.fixtures.ZipBuilder.zip().with("a.npy", new byte[8]).bytes()), "pickle.trailing_data", Severity.HIGH),
                arguments("polyglot: the appended zip is scanned too", concat(p().proto(2).none().stop().bytes(),
                        io.airlock.fixtures.ZipBuilder.zip().with("x.pkl", calling("os", "system", "id")).bytes()),
                        DANGEROUS, Severity.CRITICAL),
                arguments("gzip-wrapped pickle", gzip(calling("os", "system", "id")), DANGEROUS, Severity.CRITICAL),
                arguments("joblib zlib dump (compress=3) with a payload", io.airlock.fixtures.Samples.zlib(calling("os", "system", "id")), DANGEROUS,
                        Severity.CRITICAL),
                arguments("joblib zlib dump inside a zip", io.airlock.fixtures.ZipBuilder.zip().with("model.joblib",
                        io.airlock.fixtures.Samples.zlib(calling("os", "system", "id"))).bytes(), DANGEROUS, Severity.CRITICAL),
                arguments("joblib zlib dump cut short", java.util.Arrays.copyOf(io.airlock.fixtures.Samples.zlib(calling("os", "system", "id")), 12),
                        "joblib.malformed", Severity.HIGH),
                arguments("gzip that is cut short", java.util.Arrays.copyOf(gzip(calling("os", "system", "id")), 30),
                        "gzip.malformed", Severity.HIGH),
                arguments("joblib: malicious global after an inline array", joblibWithArrayThen(calling("os", "system", "id")),
                        DANGEROUS, Severity.CRITICAL),
                arguments("npy object array holding a pickle", npyObject(calling("os", "system", "id")), DANGEROUS, Severity.CRITICAL),
                arguments("npy header length past the file", concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff,
                        (byte) 0xff}, "{'descr': '|O'".getBytes(StandardCharsets.US_ASCII)), "numpy.malformed", Severity.HIGH));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bypasses")
    void bypassesAreCaught(String name, byte[] bytes, String rule, Severity severity) throws IOException {
        assertThat(scan(bytes)).as(name).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo(rule);
            assertThat(f.severity()).isEqualTo(severity);
            assertThat(f.location()).isNotEmpty();
        });
    }

    static java.util.List<Finding> scan(byte[] bytes) throws IOException {
        Format f = FormatSniffer.sniff(bytes, bytes.length).format();
        StaticScan.Outcome o = new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults()).scan(ByteSource.of(bytes), f);
        assertThat(o.applicable()).as("static scan applies to " + f).isTrue();
        return o.findings();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] b : parts) {
            o.writeBytes(b);
        }
        return o.toByteArray();
    }

    static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * A joblib dump: NumpyArrayWrapper(shape=(4,), dtype=f8, alignment 16) BUILD, then the padding
     * byte, padding and 32 raw bytes inline, then the rest of the stream, then {@code after}.
     */
    static byte[] joblibWithArrayThen(byte[] after) {
        PickleBuilder head = p().proto(4).mark().stackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper").emptyTuple().newobj()
                .emptyDict().str("subclass").stackGlobal("numpy", "ndarray").setitem()
                .str("shape").int1(4).tuple1().setitem()
                .str("order").str("C").setitem()
                .str("dtype").stackGlobal("numpy", "dtype").str("f8").op(0x89).op(0x88).op(0x87).reduce()
                .mark().int1(3).str("<").none().none().none().int1(255).int1(255).int1(0).tuple().build().setitem()
                .str("allow_mmap").op(0x88).setitem()
                .str("numpy_array_alignment_bytes").int1(16).setitem()
                .build();
        byte[] raw = new byte[32];
        java.util.Arrays.fill(raw, (byte) 0xff); // 0xff is no opcode: a walker that does not skip the array breaks
        PickleBuilder tail = p().tuple().stop();
        return concat(head.bytes(), new byte[]{3, (byte) 0xff, (byte) 0xff, (byte) 0xff}, raw, tail.bytes(), after);
    }

    /** A .npy v1.0 whose dtype is object: its data is a pickle. */
    static byte[] npyObject(byte[] pickle) {
        byte[] dict = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".getBytes(StandardCharsets.US_ASCII);
        byte[] header = java.util.Arrays.copyOf(dict, 118);
        java.util.Arrays.fill(header, dict.length, 117, (byte) ' ');
        header[117] = '\n';
        return concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, header, pickle);
    }
}
