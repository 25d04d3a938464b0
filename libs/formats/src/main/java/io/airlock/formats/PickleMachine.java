package io.airlock.formats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A symbolic pickle virtual machine: it follows CPython's unpickler opcode by opcode (protocols 0
 * to 5), keeping the stack, the marks and the memo as symbols instead of objects, so that it can say
 * which globals a pickle imports and which of them it calls, without ever importing or calling
 * anything.
 *
 * <p>What it resolves: GLOBAL and INST operands (with protocol 0-2 module renames, as CPython's
 * {@code fix_imports} does), STACK_GLOBAL operands from any string opcode (protocol-0 STRING
 * included, escapes decoded) whether pushed directly or fetched from the memo; REDUCE, NEWOBJ,
 * NEWOBJ_EX, OBJ, INST and BUILD call sites. What it reports as events: names computed at load time,
 * calls on anything but a global, BUILD on a global (monkey-patching a module or class), results
 * of calls thrown away (POP, POP_MARK, leftovers at STOP), extension-registry codes, persistent
 * ids and out-of-band buffers. A stream that CPython would refuse (unknown opcode, stack underflow,
 * missing memo key, truncation) ends the run with a {@link Failure}, keeping everything seen before
 * it: an unpickler has already run those calls. A FRAME whose length disagrees with its content is
 * an event, not the end: CPython's C unpickler (pickle.load, torch.load) only checks that a frame's
 * bytes exist and reads on, so the machine reads on too and what follows is still analysed.
 *
 * <p>Bounded: opcodes, stack depth, marks, memo entries; string operands are checked against the
 * bytes that remain and only their first {@link Limits#keepString()} bytes are kept. joblib's inline
 * arrays (raw bytes after a NumpyArrayWrapper's BUILD, or a nested pickle for object arrays) are
 * stepped over the way joblib's unpickler reads them.
 */
public final class PickleMachine {

    /**
     * Bounds of one run.
     *
     * @param maxOpcodes  opcodes per stream
     * @param maxStack    values on the stack, all marks together
     * @param maxMarks    open marks
     * @param maxMemo     memo entries
     * @param keepString  bytes of a string operand kept (the rest is read and dropped)
     * @param keepItems   items of a container kept for later resolution and evidence
     * @param maxNesting  nested pickles (joblib object arrays) inside one stream
     */
    public record Limits(long maxOpcodes, int maxStack, int maxMarks, int maxMemo, int keepString, int keepItems,
                         int maxNesting) {
        public Limits {
            if (maxOpcodes < 1 || maxStack < 1 || maxMarks < 1 || maxMemo < 1 || keepString < 64 || keepItems < 8
                    || maxNesting < 0) {
                throw new IllegalArgumentException("pickle limits too small");
            }
        }

        public static Limits defaults() {
            return new Limits(50_000_000L, 500_000, 10_000, 1_000_000, 64 * 1024, 4096, 4);
        }
    }

    /** Something the stream did that the analysis judges. */
    public enum EventKind {
        /** A call's result was thrown away: it ran only for its side effect. */
        DISCARDED_CALL,
        /** STACK_GLOBAL with operands that are not plain strings known before loading. */
        DYNAMIC_IMPORT,
        /** A call on something other than an imported global. */
        DYNAMIC_CALL,
        /** BUILD applied to a global itself: sets attributes on a module or class. */
        GLOBAL_MUTATION,
        /** EXT1/2/4: a global looked up in the copyreg extension registry. */
        EXTENSION_CODE,
        /** PERSID/BINPERSID: an object the loader's persistent_load supplies. */
        PERSISTENT_ID,
        /**
         * A FRAME whose length disagrees with its content (an opcode crossing its end, STOP before it,
         * a FRAME inside a FRAME). CPython's C unpickler only checks that a frame's bytes exist and reads
         * on; pickle._Unpickler (joblib, dill) stops there. The machine reads on as the C unpickler does,
         * so whatever either would execute is analysed.
         */
        FRAME_MISMATCH,
        /** NEXT_BUFFER/READONLY_BUFFER: out-of-band data from outside the stream. */
        OUT_OF_BAND_BUFFER
    }

    /**
     * An event at an offset.
     *
     * @param detail what, printable (a rendered call for DISCARDED_CALL)
     */
    public record Event(EventKind kind, long offset, String detail) {
    }

    /**
     * One distinct import: what {@code find_class} would be asked for.
     *
     * @param index     position in {@link Result#imports()}
     * @param module    module after protocol 0-2 renames
     * @param name      attribute name (may be dotted)
     * @param rawModule the module as written in the stream
     * @param rawName   the name as written in the stream
     * @param opcode    GLOBAL, STACK_GLOBAL or INST, of the first occurrence
     * @param offset    where the first occurrence is
     * @param count     how many times the stream imports it
     * @param calls     how many times the stream calls it (any of REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, BUILD)
     * @param invoked   how many of those calls run it as a function: REDUCE, INST, OBJ
     * @param constructed how many construct it as a class: NEWOBJ, NEWOBJ_EX (cls.__new__(cls, *args))
     * @param argLists  the distinct argument lists of its REDUCE/INST/OBJ calls, at most
     *                  {@value #KEPT_ARG_LISTS}, each argument reduced to what an argument constraint can
     *                  name: a short plain string {@code 'numpy'}, a global {@code builtins.object}, a global
     *                  called without arguments {@code collections.OrderedDict()}, else {@code <str>},
     *                  {@code <bytes>} or {@code <value>}
     * @param argsComplete whether argLists holds every call's arguments (false past the bound or when an
     *                  argument list is not a tuple)
     * @param versions  version strings the BUILD state of its instances names ({@code _sklearn_version} to
     *                  {@code 1.2.1}): keys {@code _NAME_version}, first value of each, at most 4 keys
     */
    public record Import(int index, String module, String name, String rawModule, String rawName, String opcode, long offset,
                         long count, long calls, long invoked, long constructed, List<List<String>> argLists,
                         boolean argsComplete, Map<String, String> versions) {
        public Import {
            argLists = argLists.stream().map(List::copyOf).toList();
            versions = Map.copyOf(versions);
        }

        /** {@code module.name}. */
        public String qualified() {
            return module + "." + name;
        }
    }

    /**
     * The first call of an imported global.
     *
     * @param importIndex the global called
     * @param opcode      REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST or BUILD
     * @param offset      where the opcode is
     * @param rendered    the call with its arguments, e.g. {@code os.system('id')}
     */
    public record CallSite(int importIndex, String opcode, long offset, String rendered) {
    }

    /**
     * A persistent id with its parts rendered: strings and numbers as text, globals as
     * {@code module.name}, e.g. {@code [storage, torch.FloatStorage, 0, cpu, 4]}.
     */
    public record PersistentId(long offset, List<String> parts) {
        public PersistentId {
            parts = List.copyOf(parts);
        }
    }

    /**
     * How the loader reads FRAMEs. CONTIGUOUS: the bytes in order, frames only checked to exist (the C
     * unpickler over a buffered file or bytes: pickle.load(open(...)), pickle.loads); where a frame
     * lies, pickle._Unpickler (joblib, dill) reads a prefix of this and stops. BYTES_IO: the C
     * unpickler over a file object without peek (torch.load reads a zip's data.pkl from an io.BytesIO),
     * which drops the rest of a frame when an operand crosses its end and reads the operand afresh
     * after it. The two differ only after a FRAME that lies.
     */
    public enum Reading { CONTIGUOUS, BYTES_IO }

    /** Why a run ended early. */
    public enum FailureKind { MALFORMED, LIMIT }

    public record Failure(FailureKind kind, String message, long offset) {
    }

    /**
     * What one stream did.
     *
     * @param start          offset of the first opcode
     * @param end            offset just past STOP (or where the run ended)
     * @param protocol       the last PROTO value, 0 when none
     * @param opcodes        opcodes executed
     * @param imports        every distinct import, in order of first appearance
     * @param calls          the first call of each import that is called
     * @param events         see {@link EventKind}; the first {@value #KEPT_EVENTS} of each kind
     * @param eventCounts    how many events of each kind there were
     * @param persistentIds  every persistent id
     * @param rootStrings    when the loaded value is a list or tuple of strings, those strings (torch legacy storage keys)
     * @param failure        why the run ended before STOP; null when it reached STOP
     * @param joblibArrays   inline joblib arrays stepped over
     */
    public record Result(long start, long end, int protocol, long opcodes, List<Import> imports, List<CallSite> calls,
                         List<Event> events, Map<EventKind, Long> eventCounts, List<PersistentId> persistentIds,
                         List<String> rootStrings, Failure failure, int joblibArrays) {
        public Result {
            imports = List.copyOf(imports);
            calls = List.copyOf(calls);
            events = List.copyOf(events);
            eventCounts = Map.copyOf(eventCounts);
            persistentIds = List.copyOf(persistentIds);
            rootStrings = List.copyOf(rootStrings);
        }

        /** Reached STOP without a failure. */
        public boolean complete() {
            return failure == null;
        }
    }

    // ---- symbols ---------------------------------------------------------------------------

    /** A value on the symbolic stack. */
    private sealed interface Sym permits Str, Num, Const, Global, Call, Persistent, Container, Opaque {
    }

    /** A string or bytes operand; {@code cut} when only a prefix was kept. */
    private record Str(String text, boolean bytes, boolean cut) implements Sym {
    }

    private record Num(String text) implements Sym {
    }

    private record Const(String text) implements Sym {
    }

    private record Global(ImportAcc imp) implements Sym {
    }

    private record Call(Sym callable, String opcode, long offset, Sym args) implements Sym {
    }

    private record Persistent(Sym pid) implements Sym {
    }

    private record Opaque(String what) implements Sym {
    }

    private enum Kind { LIST, TUPLE, DICT, SET, FROZENSET }

    /** A container; keeps its first items, counts the rest. */
    private static final class Container implements Sym {
        final Kind kind;
        final List<Sym> items = new ArrayList<>();
        long count;

        Container(Kind kind) {
            this.kind = kind;
        }
    }

    // ---- protocol 0-2 module renames (CPython's fix_imports) -------------------------------------

    /** Python 2 module names that CPython maps to their Python 3 homes when loading protocols 0 to 2. */
    static final Map<String, String> PY2_MODULES = Map.ofEntries(
            Map.entry("__builtin__", "builtins"), Map.entry("exceptions", "builtins"), Map.entry("copy_reg", "copyreg"),
            Map.entry("cPickle", "pickle"), Map.entry("commands", "subprocess"), Map.entry("urllib2", "urllib.request"),
            Map.entry("urlparse", "urllib.parse"), Map.entry("robotparser", "urllib.robotparser"),
            Map.entry("httplib", "http.client"), Map.entry("BaseHTTPServer", "http.server"),
            Map.entry("SimpleHTTPServer", "http.server"), Map.entry("CGIHTTPServer", "http.server"),
            Map.entry("Cookie", "http.cookies"), Map.entry("cookielib", "http.cookiejar"),
            Map.entry("SocketServer", "socketserver"), Map.entry("xmlrpclib", "xmlrpc.client"),
            Map.entry("SimpleXMLRPCServer", "xmlrpc.server"), Map.entry("DocXMLRPCServer", "xmlrpc.server"),
            Map.entry("thread", "_thread"), Map.entry("dummy_thread", "_dummy_thread"), Map.entry("Queue", "queue"),
            Map.entry("StringIO", "io"), Map.entry("cStringIO", "io"), Map.entry("UserDict", "collections"),
            Map.entry("UserList", "collections"), Map.entry("UserString", "collections"), Map.entry("repr", "reprlib"),
            Map.entry("ConfigParser", "configparser"), Map.entry("anydbm", "dbm"), Map.entry("whichdb", "dbm"),
            Map.entry("dbhash", "dbm.bsd"), Map.entry("dumbdbm", "dbm.dumb"), Map.entry("gdbm", "dbm.gnu"),
            Map.entry("htmlentitydefs", "html.entities"), Map.entry("HTMLParser", "html.parser"),
            Map.entry("markupbase", "_markupbase"), Map.entry("_winreg", "winreg"), Map.entry("Tkinter", "tkinter"));

    /**
     * Python 2 (module, name) pairs that CPython maps to other names when loading protocols 0 to 2;
     * Python 3 itself writes some of them (range as __builtin__.xrange) at those protocols.
     */
    static final Map<String, String> PY2_NAMES = Map.ofEntries(
            Map.entry("__builtin__.xrange", "builtins.range"), Map.entry("__builtin__.unicode", "builtins.str"),
            Map.entry("__builtin__.basestring", "builtins.str"), Map.entry("__builtin__.long", "builtins.int"),
            Map.entry("__builtin__.unichr", "builtins.chr"), Map.entry("__builtin__.raw_input", "builtins.input"),
            Map.entry("__builtin__.intern", "sys.intern"), Map.entry("__builtin__.reduce", "functools.reduce"),
            Map.entry("itertools.izip", "builtins.zip"), Map.entry("itertools.imap", "builtins.map"),
            Map.entry("itertools.ifilter", "builtins.filter"), Map.entry("itertools.ifilterfalse", "itertools.filterfalse"),
            Map.entry("itertools.izip_longest", "itertools.zip_longest"), Map.entry("UserDict.IterableUserDict", "collections.UserDict"),
            Map.entry("exceptions.StandardError", "builtins.Exception"), Map.entry("urllib.urlopen", "urllib.request.urlopen"),
            Map.entry("urllib.urlretrieve", "urllib.request.urlretrieve"), Map.entry("urllib.quote", "urllib.parse.quote"),
            Map.entry("urllib.unquote", "urllib.parse.unquote"), Map.entry("urllib.urlencode", "urllib.parse.urlencode"),
            Map.entry("whichdb.whichdb", "dbm.whichdb"), Map.entry("_socket.fromfd", "socket.fromfd"));

    private static final String JOBLIB_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper";
    /** Events of one kind kept with their detail; the rest are only counted. */
    public static final int KEPT_EVENTS = 64;
    /** Distinct argument lists kept per import. */
    public static final int KEPT_ARG_LISTS = 64;
    /** Persistent ids kept (a torch archive has one per storage). */
    static final int MAX_PERSISTENT_IDS = 1_000_000;

    /** One distinct import while the stream runs. */
    private static final class ImportAcc {
        final int index;
        final String module;
        final String name;
        final String rawModule;
        final String rawName;
        final String opcode;
        final long offset;
        long count;
        long calls;
        long invoked;
        long constructed;
        final java.util.LinkedHashSet<List<String>> argLists = new java.util.LinkedHashSet<>();
        boolean argsComplete = true;
        final Map<String, String> versions = new java.util.LinkedHashMap<>();
        CallSite firstCall;

        ImportAcc(int index, String module, String name, String rawModule, String rawName, String opcode, long offset) {
            this.index = index;
            this.module = module;
            this.name = name;
            this.rawModule = rawModule;
            this.rawName = rawName;
            this.opcode = opcode;
            this.offset = offset;
        }

        String qualified() {
            return module + "." + name;
        }

        int index() {
            return index;
        }
    }

    /** What every machine of one stream (the stream and its nested joblib pickles) adds to. */
    private static final class Acc {
        final Map<String, ImportAcc> imports = new java.util.LinkedHashMap<>();
        final List<Event> events = new ArrayList<>();
        final Map<EventKind, Long> eventCounts = new java.util.EnumMap<>(EventKind.class);
        final List<PersistentId> persistentIds = new ArrayList<>();
    }
    private static final int RENDER = 200;

    // ---- state -------------------------------------------------------------------------------

    private final InputCursor in;
    private final Limits limits;
    private final int nesting;
    private Reading reading = Reading.CONTIGUOUS;
    private final List<Sym> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markTop;
    private final Memo memo;
    private final Acc acc;
    private int protocol;
    private long opcodes;
    private long frameEnd = -1;
    private int joblibArrays;

    private PickleMachine(InputCursor in, Limits limits, int nesting, Acc acc) {
        this.in = in;
        this.limits = limits;
        this.nesting = nesting;
        this.acc = acc;
        this.memo = new Memo(limits.maxMemo());
    }

    /**
     * Runs one pickle stream from the cursor's position to its STOP (or to the first failure).
     * The cursor is left just past STOP, so the caller can look for another stream or trailing data.
     *
     * @throws IOException only when reading the underlying bytes fails
     */
    public static Result run(InputCursor in, Limits limits) throws IOException {
        return run(in, limits, Reading.CONTIGUOUS);
    }

    /** As {@link #run(InputCursor, Limits)}, reading FRAMEs as {@code reading} says. */
    public static Result run(InputCursor in, Limits limits, Reading reading) throws IOException {
        PickleMachine m = new PickleMachine(Objects.requireNonNull(in), Objects.requireNonNull(limits), 0, new Acc());
        m.reading = Objects.requireNonNull(reading, "reading");
        return m.execute();
    }

    private Result execute() throws IOException {
        long start = in.position();
        Failure failure = null;
        List<String> root = List.of();
        try {
            root = loop();
        } catch (FormatViolation v) {
            failure = new Failure(FailureKind.MALFORMED, v.getMessage(), v.offset());
        } catch (LimitExceeded e) {
            failure = new Failure(FailureKind.LIMIT, e.getMessage(), e.offset);
        }
        List<Import> imports = new ArrayList<>();
        List<CallSite> calls = new ArrayList<>();
        for (ImportAcc i : acc.imports.values()) {
            imports.add(new Import(i.index, i.module, i.name, i.rawModule, i.rawName, i.opcode, i.offset, i.count, i.calls,
                    i.invoked, i.constructed, new ArrayList<>(i.argLists), i.argsComplete, i.versions));
            if (i.firstCall != null) {
                calls.add(i.firstCall);
            }
        }
        return new Result(start, in.position(), protocol, opcodes, imports, calls, acc.events, acc.eventCounts,
                acc.persistentIds, root, failure, joblibArrays);
    }

    private static final class LimitExceeded extends Exception {
        final long offset;

        LimitExceeded(String message, long offset) {
            super(message + " (at offset " + offset + ")");
            this.offset = offset;
        }
    }

    private List<String> loop() throws IOException, FormatViolation, LimitExceeded {
        while (true) {
            if (opcodes >= limits.maxOpcodes()) {
                throw new LimitExceeded("more than " + limits.maxOpcodes() + " opcodes", in.position());
            }
            if (frameEnd >= 0 && in.consumed() == frameEnd) {
                frameEnd = -1;
            }
            long at = in.position();
            if (in.atEnd()) {
                throw bad("the stream ends without STOP", at);
            }
            int code = in.u8();
            opcodes++;
            Sym stopValue = step(code, at);
            if (frameEnd >= 0 && in.consumed() > frameEnd) {
                // pickle._Unpickler stops here; the C unpickler reads on, so the analysis does too
                event(EventKind.FRAME_MISMATCH, at, () -> opName(code) + " crosses the end of its FRAME (the FRAME length"
                        + " disagrees with its content)");
                frameEnd = -1;
            }
            if (stopValue != null) {
                if (frameEnd >= 0 && in.consumed() != frameEnd) {
                    long early = frameEnd - in.consumed();
                    event(EventKind.FRAME_MISMATCH, at, () -> "STOP " + early + " bytes before the end of its FRAME "
                            + "(the FRAME length disagrees with its content)");
                    if (reading == Reading.BYTES_IO) {
                        in.skip(early); // the frame's rest goes with the buffer: the file is left at the frame's end
                    }
                }
                return rootStrings(stopValue);
            }
            if (stack.size() > limits.maxStack()) {
                throw new LimitExceeded("stack deeper than " + limits.maxStack(), at);
            }
        }
    }

    /** Executes one opcode; returns the loaded value at STOP, null otherwise. */
    private Sym step(int code, long at) throws IOException, FormatViolation, LimitExceeded {
        switch (code) {
            case '(' -> {
                if (markTop == limits.maxMarks()) {
                    throw new LimitExceeded("more than " + limits.maxMarks() + " open marks", at);
                }
                if (markTop == marks.length) {
                    marks = java.util.Arrays.copyOf(marks, marks.length * 2);
                }
                marks[markTop++] = stack.size();
            }
            case '.' -> {
                return stop(at);
            }
            case '0' -> {
                if (markTop > 0 && marks[markTop - 1] == stack.size()) {
                    markTop--; // CPython: POP on an empty frame pops the mark
                } else {
                    Sym v = pop(at, "POP");
                    if (v instanceof Call c) {
                        event(EventKind.DISCARDED_CALL, at, () -> "POP discards the result of " + render(c));
                    }
                }
            }
            case '1' -> {
                for (Sym v : popMark(at, "POP_MARK")) {
                    if (v instanceof Call c) {
                        event(EventKind.DISCARDED_CALL, at, () -> "POP_MARK discards the result of " + render(c));
                    }
                }
            }
            case '2' -> push(peek(at, "DUP"));
            case 'F' -> push(new Num(number(at, "FLOAT")));
            case 'I' -> {
                String n = number(at, "INT");
                push(n.equals("00") ? new Const("False") : n.equals("01") ? new Const("True") : new Num(n));
            }
            case 'L' -> push(new Num(number(at, "LONG")));
            case 'J' -> push(new Num(Integer.toString((int) u32())));
            case 'K' -> push(new Num(Integer.toString(u8())));
            case 'M' -> push(new Num(Integer.toString(u16())));
            case 'G' -> {
                fresh(8);
                in.skip(8);
                push(new Num("float"));
            }
            case 0x8a -> push(new Num(longBytes(u8(), at)));
            case 0x8b -> {
                long n = signed32(u32());
                if (n < 0) {
                    throw bad("LONG4 with a negative byte count", at);
                }
                push(new Num(longBytes(n, at)));
            }
            case 'N' -> push(new Const("None"));
            case 0x88 -> push(new Const("True"));
            case 0x89 -> push(new Const("False"));
            case 'S' -> push(protocol0String(at));
            case 'T' -> {
                long n = signed32(u32());
                if (n < 0) {
                    throw bad("BINSTRING with a negative byte count", at);
                }
                push(bytesOperand(n, false, at));
            }
            case 'U' -> push(bytesOperand(u8(), false, at));
            case 'B' -> push(bytesOperand(u32(), true, at));
            case 'C' -> push(bytesOperand(u8(), true, at));
            case 0x8e, 0x96 -> push(bytesOperand(u64(), true, at));
            case 'V' -> push(rawUnicodeEscape(at));
            case 'X' -> push(utf8Operand(u32(), at));
            case 0x8c -> push(utf8Operand(u8(), at));
            case 0x8d -> push(utf8Operand(u64(), at));
            case ')' -> push(new Container(Kind.TUPLE));
            case ']' -> push(new Container(Kind.LIST));
            case '}' -> push(new Container(Kind.DICT));
            case 0x8f -> push(new Container(Kind.SET));
            case 0x85, 0x86, 0x87 -> {
                int n = code - 0x84;
                Sym[] items = new Sym[n];
                for (int i = n - 1; i >= 0; i--) {
                    items[i] = pop(at, "TUPLE" + n);
                }
                Container t = new Container(Kind.TUPLE);
                for (Sym s : items) {
                    add(t, s);
                }
                push(t);
            }
            case 't' -> push(container(Kind.TUPLE, popMark(at, "TUPLE")));
            case 'l' -> push(container(Kind.LIST, popMark(at, "LIST")));
            case 0x91 -> push(container(Kind.FROZENSET, popMark(at, "FROZENSET")));
            case 'd' -> {
                List<Sym> items = popMark(at, "DICT");
                if (items.size() % 2 != 0) {
                    throw bad("DICT with an odd number of items", at);
                }
                push(container(Kind.DICT, items));
            }
            case 'a' -> {
                Sym v = pop(at, "APPEND");
                addTo(peek(at, "APPEND"), v);
            }
            case 'e' -> {
                List<Sym> items = popMark(at, "APPENDS");
                Sym target = peek(at, "APPENDS");
                for (Sym s : items) {
                    addTo(target, s);
                }
            }
            case 0x90 -> {
                List<Sym> items = popMark(at, "ADDITEMS");
                Sym target = peek(at, "ADDITEMS");
                for (Sym s : items) {
                    addTo(target, s);
                }
            }
            case 's' -> {
                Sym v = pop(at, "SETITEM");
                Sym k = pop(at, "SETITEM");
                Sym target = peek(at, "SETITEM");
                addTo(target, k);
                addTo(target, v);
            }
            case 'u' -> {
                List<Sym> items = popMark(at, "SETITEMS");
                if (items.size() % 2 != 0) {
                    throw bad("SETITEMS with an odd number of items", at);
                }
                Sym target = peek(at, "SETITEMS");
                for (Sym s : items) {
                    addTo(target, s);
                }
            }
            case 'c' -> {
                String module = textLine(at, "GLOBAL module");
                String name = textLine(at, "GLOBAL name");
                push(new Global(importOf(module, name, "GLOBAL", at)));
            }
            case 0x93 -> {
                Sym name = pop(at, "STACK_GLOBAL");
                Sym module = pop(at, "STACK_GLOBAL");
                push(stackGlobal(module, name, at));
            }
            case 'i' -> {
                String module = textLine(at, "INST module");
                String name = textLine(at, "INST name");
                Global g = new Global(importOf(module, name, "INST", at));
                List<Sym> args = popMark(at, "INST");
                push(call(g, "INST", at, container(Kind.TUPLE, args)));
            }
            case 'o' -> {
                List<Sym> items = popMark(at, "OBJ");
                if (items.isEmpty()) {
                    throw bad("OBJ without a class", at);
                }
                push(call(items.get(0), "OBJ", at, container(Kind.TUPLE, items.subList(1, items.size()))));
            }
            case 'R' -> {
                Sym args = pop(at, "REDUCE");
                Sym callable = pop(at, "REDUCE");
                push(call(callable, "REDUCE", at, args));
            }
            case 0x81 -> {
                Sym args = pop(at, "NEWOBJ");
                Sym cls = pop(at, "NEWOBJ");
                push(call(cls, "NEWOBJ", at, args));
            }
            case 0x92 -> {
                pop(at, "NEWOBJ_EX"); // kwargs
                Sym args = pop(at, "NEWOBJ_EX");
                Sym cls = pop(at, "NEWOBJ_EX");
                push(call(cls, "NEWOBJ_EX", at, args));
            }
            case 'b' -> build(at);
            case 'P' -> {
                Str pid = asciiLine(at, "PERSID");
                persistent(pid, at);
                push(new Persistent(pid));
            }
            case 'Q' -> {
                Sym pid = pop(at, "BINPERSID");
                persistent(pid, at);
                push(new Persistent(pid));
            }
            case 'p' -> memoPut(decimalLine(at, "PUT"), at);
            case 'q' -> memoPut(u8(), at);
            case 'r' -> memoPut(u32(), at);
            case 0x94 -> memoPut(memo.size(), at);
            case 'g' -> push(memoGet(decimalLine(at, "GET"), at));
            case 'h' -> push(memoGet(u8(), at));
            case 'j' -> push(memoGet(u32(), at));
            case 0x80 -> {
                int p = u8();
                if (p > 5) {
                    throw bad("PROTO " + p + " is no known protocol", at);
                }
                protocol = p;
            }
            case 0x95 -> {
                long len = u64();
                if (frameEnd >= 0) {
                    event(EventKind.FRAME_MISMATCH, at, () -> "a FRAME begins before the end of the previous FRAME");
                    if (reading == Reading.BYTES_IO) {
                        if (len >= 0 && in.consumed() + len <= frameEnd) {
                            return null; // its bytes are in the buffer already: reading goes on inside the outer frame
                        }
                        dropFrameRest(at, "FRAME"); // read afresh after the outer frame
                    }
                }
                if (len < 0 || len > in.remaining()) {
                    throw bad("FRAME of " + Long.toUnsignedString(len) + " bytes runs past the end ("
                            + in.remaining() + " remain)", at);
                }
                frameEnd = in.consumed() + len;
            }
            case 0x82, 0x83, 0x84 -> {
                long ext = code == 0x82 ? u8() : code == 0x83 ? u16() : signed32(u32());
                if (ext <= 0) {
                    throw bad("EXT code " + ext + " is not positive", at);
                }
                long code0 = ext;
                event(EventKind.EXTENSION_CODE, at, () -> "extension registry code " + code0
                        + " names a global that is not in the stream");
                push(new Opaque("extension " + ext));
            }
            case 0x97 -> {
                event(EventKind.OUT_OF_BAND_BUFFER, at, () -> "NEXT_BUFFER takes data from outside the stream");
                push(new Opaque("out-of-band buffer"));
            }
            case 0x98 -> {
                event(EventKind.OUT_OF_BAND_BUFFER, at, () -> "READONLY_BUFFER on out-of-band data");
                push(pop(at, "READONLY_BUFFER"));
            }
            default -> throw bad(String.format("byte 0x%02x is no pickle opcode", code), at);
        }
        return null;
    }

    private Sym stop(long at) throws FormatViolation {
        Sym value = pop(at, "STOP");
        int leftovers = stack.size();
        for (Sym s : stack) {
            if (s instanceof Call c) {
                event(EventKind.DISCARDED_CALL, at, () -> "STOP leaves the result of " + render(c) + " on the stack");
            }
        }
        if (leftovers > 0 || markTop > 0) {
            throw bad("STOP leaves " + leftovers + " other value(s) and " + markTop + " open mark(s) behind", at);
        }
        return value;
    }

    private Sym call(Sym callable, String op, long at, Sym args) {
        Call c = new Call(callable, op, at, args);
        if (callable instanceof Global g) {
            called(g.imp(), op, at, () -> render(c));
            ImportAcc imp = g.imp();
            if (op.startsWith("NEWOBJ")) {
                imp.constructed++;
            } else {
                imp.invoked++;
                arguments(imp, args);
            }
        } else {
            event(EventKind.DYNAMIC_CALL, at, () -> op + " calls " + describe(callable) + ", not an imported global: "
                    + render(c));
        }
        return c;
    }

    private void build(long at) throws IOException, FormatViolation, LimitExceeded {
        Sym state = pop(at, "BUILD");
        Sym inst = peek(at, "BUILD");
        if (inst instanceof Global g) {
            event(EventKind.GLOBAL_MUTATION, at, () -> "BUILD sets state " + render(state) + " on the global "
                    + g.imp().qualified() + " itself");
            return;
        }
        if (inst instanceof Call c && c.callable() instanceof Global g) {
            called(g.imp(), "BUILD", at, () -> g.imp().qualified() + ".__setstate__(" + render(state) + ")");
            versions(g.imp(), state);
            if (g.imp().qualified().equals(JOBLIB_WRAPPER)) {
                joblibArray(state, at);
            }
        }
    }

    private static final java.util.regex.Pattern VERSION_KEY = java.util.regex.Pattern.compile("_[A-Za-z0-9]+_version");

    /** Keeps the version a class's state names (sklearn writes _sklearn_version), for the table's vetted versions. */
    private void versions(ImportAcc imp, Sym state) {
        if (imp.versions.size() >= 4) {
            return;
        }
        dictFields(state).forEach((k, v) -> {
            if (VERSION_KEY.matcher(k).matches() && v instanceof Str x && !x.cut() && x.text().length() <= 64
                    && imp.versions.size() < 4) {
                imp.versions.putIfAbsent(k, x.text());
            }
        });
    }

    /**
     * joblib's unpickler reads an array's bytes right after the BUILD of its NumpyArrayWrapper:
     * a padding length byte and padding (when the wrapper says so), then the raw elements, or a
     * whole nested pickle for object arrays. Anything else about the wrapper is malformed.
     */
    private void joblibArray(Sym state, long at) throws IOException, FormatViolation, LimitExceeded {
        if (frameEnd >= 0 && in.consumed() != frameEnd) {
            throw bad("joblib array data inside a FRAME", at);
        }
        frameEnd = -1;
        Map<String, Sym> fields = dictFields(state);
        Sym shape = fields.get("shape");
        Sym dtype = fields.get("dtype");
        long count = 1;
        if (!(shape instanceof Container s) || s.count != s.items.size()) {
            throw bad("joblib array wrapper without a readable shape", at);
        }
        try {
            for (Sym d : s.items) {
                count = Math.multiplyExact(count, nonNegative(d, at));
            }
        } catch (ArithmeticException e) {
            throw bad("joblib array shape overflows", at);
        }
        String descr = dtypeDescr(dtype);
        if (descr == null) {
            throw bad("joblib array wrapper without a readable dtype", at);
        }
        stack.set(stack.size() - 1, new Opaque("ndarray " + descr));
        joblibArrays++;
        if (descr.startsWith("O")) {
            if (count == 0) {
                return;
            }
            if (nesting >= limits.maxNesting()) {
                throw new LimitExceeded("joblib object arrays nested deeper than " + limits.maxNesting(), at);
            }
            // object arrays are a whole pickle of their own, with a fresh memo
            PickleMachine inner = new PickleMachine(in, limits, nesting + 1, acc);
            inner.opcodes = opcodes;
            Result r = inner.execute();
            opcodes = inner.opcodes;
            joblibArrays += inner.joblibArrays;
            if (r.failure() != null) {
                throw bad("nested pickle of a joblib object array: " + r.failure().message(), r.failure().offset());
            }
            return;
        }
        long itemSize = itemSize(descr);
        if (itemSize <= 0) {
            throw bad("joblib array dtype '" + descr + "' has no known item size", at);
        }
        Sym alignment = fields.get("numpy_array_alignment_bytes");
        // joblib writes the padding only when the wrapper's alignment is set (it is None without mmap support)
        if (alignment != null && !(alignment instanceof Const c && c.text().equals("None"))) {
            int pad = in.u8();
            in.skip(pad);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, itemSize);
        } catch (ArithmeticException e) {
            throw bad("joblib array of " + count + " x " + itemSize + " bytes overflows", at);
        }
        in.require(bytes, "joblib inline array of " + bytes + " bytes");
        in.skip(bytes);
    }

    private Map<String, Sym> dictFields(Sym state) {
        Map<String, Sym> out = new HashMap<>();
        if (state instanceof Container d && d.kind == Kind.DICT) {
            for (int i = 0; i + 1 < d.items.size(); i += 2) {
                if (d.items.get(i) instanceof Str k) {
                    out.put(k.text(), d.items.get(i + 1));
                }
            }
        }
        return out;
    }

    private static long nonNegative(Sym s, long at) throws FormatViolation {
        if (s instanceof Num n) {
            try {
                long v = Long.parseLong(n.text().strip());
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new FormatViolation("pickle.malformed", "joblib array dimension is not a non-negative integer", at);
    }

    /** The descr string of a numpy.dtype(...) call, e.g. {@code f8}, {@code <U10}, {@code O8}. */
    private static String dtypeDescr(Sym dtype) {
        if (dtype instanceof Call c && c.callable() instanceof Global g
                && (g.imp().qualified().equals("numpy.dtype") || g.imp().qualified().endsWith("multiarray.dtype"))
                && c.args() instanceof Container t && !t.items.isEmpty() && t.items.get(0) instanceof Str s) {
            String d = s.text();
            return d.isEmpty() ? null : d.charAt(0) == '<' || d.charAt(0) == '>' || d.charAt(0) == '|' || d.charAt(0) == '='
                    ? d.substring(1) : d;
        }
        return null;
    }

    /** Bytes per element of a simple numpy type string (kind letter + size; U counts UCS-4 characters). */
    static long itemSize(String descr) {
        if (descr.length() < 2 || !Character.isLetter(descr.charAt(0))) {
            return -1;
        }
        String digits = descr.substring(1);
        if (!digits.chars().allMatch(Character::isDigit) || digits.length() > 9) {
            return -1;
        }
        long n = Long.parseLong(digits);
        return descr.charAt(0) == 'U' ? 4 * n : n;
    }

    private Sym stackGlobal(Sym module, Sym name, long at) throws FormatViolation {
        if (module instanceof Str m && name instanceof Str n && !m.cut() && !n.cut()) {
            if (m.bytes() || n.bytes()) {
                throw bad("STACK_GLOBAL requires str operands, got bytes", at);
            }
            return new Global(importOf(m.text(), n.text(), "STACK_GLOBAL", at));
        }
        event(EventKind.DYNAMIC_IMPORT, at, () -> "STACK_GLOBAL on " + describe(module) + " and " + describe(name)
                + ": the name is not known before loading (" + render(module) + ", " + render(name) + ")");
        return new Opaque("dynamic global");
    }

    private ImportAcc importOf(String module, String rawName, String op, long at) {
        String mapped = module;
        String name = rawName;
        if (protocol < 3) {
            String pair = PY2_NAMES.get(module + "." + rawName);
            if (pair != null) {
                int dot = pair.lastIndexOf('.');
                mapped = pair.substring(0, dot);
                name = pair.substring(dot + 1);
            } else {
                mapped = PY2_MODULES.getOrDefault(module, module);
            }
        }
        String m = mapped;
        String n = name;
        // one record per distinct name: a stream that repeats a GLOBAL a million times costs one entry
        ImportAcc i = acc.imports.computeIfAbsent(m + '\n' + n + '\n' + module + '\n' + rawName,
                k -> new ImportAcc(acc.imports.size(), m, n, module, rawName, op, at));
        i.count++;
        return i;
    }

    /** Keeps the call's arguments, each rendered, for argument constraints (a resolver only with given names). */
    private static void arguments(ImportAcc imp, Sym args) {
        if (!(args instanceof Container t) || t.kind != Kind.TUPLE || t.count != t.items.size()) {
            imp.argsComplete = false;
            return;
        }
        List<String> rendered = new ArrayList<>();
        for (Sym s : t.items) {
            rendered.add(argument(s));
        }
        if (imp.argLists.size() < KEPT_ARG_LISTS) {
            imp.argLists.add(rendered);
        } else if (!imp.argLists.contains(rendered)) {
            imp.argsComplete = false;
        }
    }

    private static final java.util.regex.Pattern PLAIN_TEXT = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{0,64}");

    /** An argument as a constraint sees it; everything a constraint cannot name collapses, so the lists stay few. */
    private static String argument(Sym s) {
        if (s instanceof Str x) {
            return x.bytes() ? "<bytes>" : !x.cut() && PLAIN_TEXT.matcher(x.text()).matches() ? "'" + x.text() + "'" : "<str>";
        }
        if (s instanceof Global g) {
            return g.imp().qualified();
        }
        if (s instanceof Call c && c.callable() instanceof Global g && c.args() instanceof Container t && t.count == 0) {
            return g.imp().qualified() + "()";
        }
        return "<value>";
    }

    private void called(ImportAcc imp, String op, long at, java.util.function.Supplier<String> rendered) {
        imp.calls++;
        if (imp.firstCall == null) {
            imp.firstCall = new CallSite(imp.index, op, at, rendered.get());
        }
    }

    private void persistent(Sym pid, long at) throws LimitExceeded {
        if (acc.persistentIds.size() >= MAX_PERSISTENT_IDS) {
            throw new LimitExceeded("more than " + MAX_PERSISTENT_IDS + " persistent ids", at);
        }
        List<String> parts = new ArrayList<>();
        if (pid instanceof Container c) {
            for (Sym s : c.items) {
                parts.add(plain(s));
            }
        } else {
            parts.add(plain(pid));
        }
        acc.persistentIds.add(new PersistentId(at, parts));
        event(EventKind.PERSISTENT_ID, at, () -> "persistent id " + render(pid));
    }

    private static String plain(Sym s) {
        if (s instanceof Str x) {
            return x.text();
        }
        if (s instanceof Num n) {
            return n.text();
        }
        if (s instanceof Global g) {
            return g.imp().qualified();
        }
        return render(s);
    }

    private void memoPut(long key, long at) throws FormatViolation, LimitExceeded {
        if (key < 0) {
            throw bad("negative memo key " + key, at);
        }
        Sym top = peek(at, "PUT");
        if (!memo.has(key) && memo.size() >= limits.maxMemo()) {
            throw new LimitExceeded("more than " + limits.maxMemo() + " memo entries", at);
        }
        memo.put(key, top);
    }

    /**
     * The memo: picklers number entries 0, 1, 2... so keys below a bound live in an array (8 bytes
     * an entry); sparse keys (a hostile LONG_BINPUT 4000000000) go to a map.
     */
    private static final class Memo {
        private final int denseBound;
        private Sym[] dense = new Sym[1024];
        private final Map<Long, Sym> sparse = new HashMap<>();
        private int size;

        /** Keys below {@code denseBound} (the memo's entry bound, so an honest stream's keys) use the array. */
        Memo(int denseBound) {
            this.denseBound = denseBound;
        }

        int size() {
            return size;
        }

        boolean has(long key) {
            return get(key) != null;
        }

        Sym get(long key) {
            if (key >= 0 && key < dense.length) {
                return dense[(int) key];
            }
            return key < denseBound ? null : sparse.get(key);
        }

        void put(long key, Sym s) {
            if (key < denseBound) {
                if (key >= dense.length) {
                    dense = java.util.Arrays.copyOf(dense, (int) Math.min(denseBound, Math.max(key + 1, (long) dense.length * 2)));
                }
                if (dense[(int) key] == null) {
                    size++;
                }
                dense[(int) key] = s;
            } else if (sparse.put(key, s) == null) {
                size++;
            }
        }
    }

    private Sym memoGet(long key, long at) throws FormatViolation {
        Sym s = memo.get(key);
        if (s == null) {
            throw bad("memo key " + key + " is missing", at);
        }
        return s;
    }

    private static List<String> rootStrings(Sym v) {
        if (v instanceof Container c && (c.kind == Kind.LIST || c.kind == Kind.TUPLE) && c.count == c.items.size()) {
            List<String> out = new ArrayList<>();
            for (Sym s : c.items) {
                if (!(s instanceof Str str) || str.cut()) {
                    return List.of();
                }
                out.add(str.text());
            }
            return out;
        }
        return List.of();
    }

    // ---- stack ---------------------------------------------------------------------------------

    private void push(Sym s) {
        stack.add(s);
    }

    private int floor() {
        return markTop == 0 ? 0 : marks[markTop - 1];
    }

    private Sym pop(long at, String op) throws FormatViolation {
        if (stack.size() <= floor()) {
            throw bad(op + " pops an empty stack (stack underflow)", at);
        }
        return stack.remove(stack.size() - 1);
    }

    private Sym peek(long at, String op) throws FormatViolation {
        if (stack.size() <= floor()) {
            throw bad(op + " needs a value on an empty stack", at);
        }
        return stack.get(stack.size() - 1);
    }

    private List<Sym> popMark(long at, String op) throws FormatViolation {
        if (markTop == 0) {
            throw bad(op + " without a MARK", at);
        }
        int m = marks[--markTop];
        List<Sym> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Container container(Kind kind, List<Sym> items) {
        Container c = new Container(kind);
        for (Sym s : items) {
            add(c, s);
        }
        return c;
    }

    private void add(Container c, Sym s) {
        if (c.items.size() < limits.keepItems()) {
            c.items.add(s);
        }
        c.count++;
    }

    private void addTo(Sym target, Sym s) {
        if (target instanceof Container c) {
            add(c, s);
        }
    }

    /** Counts the event; keeps it, rendering its detail, only while fewer than {@link #KEPT_EVENTS} of its kind are kept. */
    private void event(EventKind k, long at, java.util.function.Supplier<String> detail) {
        long n = acc.eventCounts.merge(k, 1L, Long::sum);
        if (n <= KEPT_EVENTS) {
            acc.events.add(new Event(k, at, detail.get()));
        }
    }

    // ---- operands ------------------------------------------------------------------------------

    private Str bytesOperand(long n, boolean bytes, long at) throws IOException, FormatViolation {
        fresh(n);
        if (n < 0 || n > in.remaining()) {
            throw bad("a string operand of " + Long.toUnsignedString(n) + " bytes runs past the end ("
                    + in.remaining() + " remain)", at);
        }
        byte[] kept = in.skipKeeping(n, limits.keepString());
        return new Str(new String(kept, StandardCharsets.ISO_8859_1), bytes, kept.length < n);
    }

    private Str utf8Operand(long n, long at) throws IOException, FormatViolation {
        fresh(n);
        if (n < 0 || n > in.remaining()) {
            throw bad("a unicode operand of " + Long.toUnsignedString(n) + " bytes runs past the end ("
                    + in.remaining() + " remain)", at);
        }
        byte[] kept = in.skipKeeping(n, limits.keepString());
        boolean cut = kept.length < n;
        try {
            // CPython decodes with 'surrogatepass'; a cut operand may end inside a character
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(cut ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(kept)).toString();
            return new Str(s, false, cut);
        } catch (CharacterCodingException e) {
            if (hasEncodedSurrogate(kept)) {
                return new Str(new String(kept, StandardCharsets.UTF_8), false, cut);
            }
            throw bad("a unicode operand is not valid UTF-8", at);
        }
    }

    private static boolean hasEncodedSurrogate(byte[] b) {
        for (int i = 0; i + 1 < b.length; i++) {
            if ((b[i] & 0xff) == 0xed && (b[i + 1] & 0xe0) == 0xa0) {
                return true;
            }
        }
        return false;
    }

    /** STRING: a quoted, backslash-escaped line (Python's escape_decode), as CPython reads it. */
    private Str protocol0String(long at) throws IOException, FormatViolation {
        freshLine();
        InputCursor.Line line = in.line(limits.keepString());
        byte[] k = line.kept();
        if (line.length() < 2 || k.length == 0 || k[0] != line.last() || k[0] != '\'' && k[0] != '"') {
            throw bad("the STRING operand must be quoted", at);
        }
        int end = line.cut() ? k.length : k.length - 1;
        return new Str(escapeDecode(k, 1, end, line.cut(), at), false, line.cut());
    }

    private static String escapeDecode(byte[] b, int from, int to, boolean cut, long at) throws FormatViolation {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (i + 1 >= to) {
                if (cut) {
                    break;
                }
                throw new FormatViolation("pickle.malformed", "a STRING operand ends with a lone backslash", at);
            }
            int e = b[++i] & 0xff;
            switch (e) {
                case '\n' -> {
                }
                case '\\', '\'', '"' -> out.write(e);
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write(10);
                case 'r' -> out.write(13);
                case 't' -> out.write(9);
                case 'v' -> out.write(11);
                case 'x' -> {
                    int h1 = i + 1 < to ? Character.digit(b[i + 1], 16) : -1;
                    int h2 = i + 2 < to ? Character.digit(b[i + 2], 16) : -1;
                    if (h1 < 0 || h2 < 0) {
                        if (cut && i + 2 >= to) {
                            return out.toString(StandardCharsets.ISO_8859_1);
                        }
                        throw new FormatViolation("pickle.malformed", "an invalid \\x escape in a STRING operand", at);
                    }
                    out.write(h1 * 16 + h2);
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int n = 0; n < 2 && i + 1 < to && b[i + 1] >= '0' && b[i + 1] <= '7'; n++) {
                            v = v * 8 + (b[++i] - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
                }
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** UNICODE: a raw-unicode-escape line: only backslash-u and backslash-U escapes are decoded. */
    private Str rawUnicodeEscape(long at) throws IOException, FormatViolation {
        freshLine();
        InputCursor.Line line = in.line(limits.keepString());
        byte[] b = line.kept();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c == '\\' && i + 1 < b.length && (b[i + 1] == 'u' || b[i + 1] == 'U')) {
                int digits = b[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + digits > b.length) {
                    if (line.cut()) {
                        break;
                    }
                    throw bad("a truncated \\u escape in a UNICODE operand", at);
                }
                long v = 0;
                for (int d = 0; d < digits; d++) {
                    int h = Character.digit(b[i + 2 + d], 16);
                    if (h < 0) {
                        throw bad("a \\u escape with a non-hex digit in a UNICODE operand", at);
                    }
                    v = v * 16 + h;
                }
                if (v > 0x10ffff) {
                    throw bad("a \\U escape beyond U+10FFFF in a UNICODE operand", at);
                }
                sb.appendCodePoint((int) v);
                i += 1 + digits;
            } else {
                sb.append((char) c);
            }
        }
        return new Str(sb.toString(), false, line.cut());
    }

    /** A GLOBAL/INST operand line: UTF-8, as CPython decodes it. */
    private String textLine(long at, String what) throws IOException, FormatViolation {
        freshLine();
        InputCursor.Line line = in.line(limits.keepString());
        if (line.cut()) {
            throw bad(what + " is longer than " + limits.keepString() + " bytes", at);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.kept())).toString();
        } catch (CharacterCodingException e) {
            throw bad(what + " is not valid UTF-8", at);
        }
    }

    private Str asciiLine(long at, String what) throws IOException, FormatViolation {
        freshLine();
        InputCursor.Line line = in.line(limits.keepString());
        return new Str(new String(line.kept(), StandardCharsets.ISO_8859_1), false, line.cut());
    }

    /** A protocol-0 PUT/GET key: a decimal integer line. */
    private long decimalLine(long at, String op) throws IOException, FormatViolation {
        freshLine();
        InputCursor.Line line = in.line(64);
        String s = new String(line.kept(), StandardCharsets.ISO_8859_1).strip().replace("_", "");
        if (line.cut() || !s.matches("[+-]?[0-9]{1,18}")) {
            throw bad(op + " key '" + Bytes.printable(line.kept(), 0, line.kept().length, 40)
                    + "' is not a decimal integer", at);
        }
        return Long.parseLong(s);
    }

    /** A protocol-0 INT/LONG/FLOAT line, checked to be number-like. */
    private String number(long at, String op) throws IOException, FormatViolation {
        freshLine();
        InputCursor.Line line = in.line(256);
        String s = new String(line.kept(), StandardCharsets.ISO_8859_1).strip();
        if (line.cut() || s.isEmpty() || !s.matches("[+-]?[0-9A-Za-z_.+-]+")) {
            throw bad(op + " operand '" + Bytes.printable(line.kept(), 0, line.kept().length, 40)
                    + "' is not a number", at);
        }
        return s;
    }

    private String longBytes(long n, long at) throws IOException, FormatViolation {
        fresh(n);
        if (n > in.remaining()) {
            throw bad("a LONG operand of " + n + " bytes runs past the end", at);
        }
        in.skipKeeping(n, 0);
        return n <= 8 ? "long" : "long of " + n + " bytes";
    }

    private static long signed32(long u) {
        return (int) u;
    }

    private int u8() throws IOException, FormatViolation {
        fresh(1);
        return in.u8();
    }

    private int u16() throws IOException, FormatViolation {
        fresh(2);
        return in.u16();
    }

    private long u32() throws IOException, FormatViolation {
        fresh(4);
        return in.u32();
    }

    private long u64() throws IOException, FormatViolation {
        fresh(8);
        return in.u64();
    }

    /**
     * Before an operand of {@code n} bytes: in the {@link Reading#BYTES_IO} reading, one that would
     * cross the end of the current FRAME is read afresh after it, the frame's rest dropped, as the C
     * unpickler does when the frame's bytes are its whole buffer (a file object without peek).
     */
    private void fresh(long n) throws IOException, FormatViolation {
        if (reading == Reading.BYTES_IO && frameEnd >= 0 && n > 0 && in.consumed() + n > frameEnd) {
            dropFrameRest(in.position(), "an operand of " + n + " bytes");
        }
    }

    /** Before a line operand: as {@link #fresh}, when no newline is left in the current FRAME. */
    private void freshLine() throws IOException, FormatViolation {
        if (reading == Reading.BYTES_IO && frameEnd >= 0) {
            long left = frameEnd - in.consumed();
            byte[] rest = in.peekBytes((int) Math.min(left, 4096)); // a longer line is read as it comes
            for (byte b : rest) {
                if (b == '\n') {
                    return;
                }
            }
            if (rest.length == left) {
                dropFrameRest(in.position(), "a line operand");
            }
        }
    }

    private void dropFrameRest(long at, String what) throws IOException, FormatViolation {
        long dropped = frameEnd - in.consumed();
        if (dropped == 0) {
            frameEnd = -1; // the frame is used up: the operand comes from the file, as in every reading
            return;
        }
        event(EventKind.FRAME_MISMATCH, at, () -> what + " crosses the end of its FRAME: the C unpickler over an io.BytesIO"
                + " drops the frame's last " + dropped + " byte(s) and reads it afresh after the frame");
        in.skip(dropped);
        frameEnd = -1;
    }

    private FormatViolation bad(String why, long at) {
        return new FormatViolation("pickle.malformed", why, at);
    }

    private static String opName(int code) {
        String n = PickleOps.name(code);
        return n.isEmpty() ? String.format("0x%02x", code) : n;
    }

    // ---- rendering -----------------------------------------------------------------------------

    private static String describe(Sym s) {
        if (s instanceof Str x) {
            return x.bytes() ? "bytes" : x.cut() ? "an over-long string" : "a string";
        }
        if (s instanceof Call) {
            return "the result of a call";
        }
        if (s instanceof Persistent) {
            return "a persistent-load result";
        }
        if (s instanceof Opaque o) {
            return "a " + o.what();
        }
        if (s instanceof Container c) {
            return "a " + c.kind.name().toLowerCase(java.util.Locale.ROOT);
        }
        if (s instanceof Global) {
            return "a global";
        }
        return "a constant";
    }

    static String render(Object s) {
        StringBuilder sb = new StringBuilder();
        render((Sym) s, sb, 0);
        return sb.length() > RENDER ? sb.substring(0, RENDER) + "..." : sb.toString();
    }

    private static void render(Sym s, StringBuilder sb, int depth) {
        if (sb.length() > RENDER) {
            return;
        }
        if (depth > 6) {
            sb.append("...");
            return;
        }
        if (s instanceof Str x) {
            byte[] b = x.text().getBytes(StandardCharsets.UTF_8);
            sb.append(x.bytes() ? "b'" : "'").append(Bytes.printable(b, 0, b.length, 80)).append(x.cut() ? "...'" : "'");
        } else if (s instanceof Num n) {
            sb.append(n.text());
        } else if (s instanceof Const c) {
            sb.append(c.text());
        } else if (s instanceof Global g) {
            sb.append(g.imp().qualified());
        } else if (s instanceof Call c) {
            render(c.callable(), sb, depth + 1);
            sb.append('(');
            if (c.args() instanceof Container t && t.kind == Kind.TUPLE) {
                items(t, sb, depth);
            } else {
                sb.append('*');
                render(c.args(), sb, depth + 1);
            }
            sb.append(')');
        } else if (s instanceof Persistent p) {
            sb.append("persistent_load(");
            render(p.pid(), sb, depth + 1);
            sb.append(')');
        } else if (s instanceof Container c) {
            String[] br = switch (c.kind) {
                case LIST -> new String[]{"[", "]"};
                case TUPLE -> new String[]{"(", ")"};
                case DICT -> new String[]{"{", "}"};
                case SET -> new String[]{"{", "}"};
                case FROZENSET -> new String[]{"frozenset({", "})"};
            };
            sb.append(br[0]);
            items(c, sb, depth);
            sb.append(br[1]);
        } else if (s instanceof Opaque o) {
            sb.append('<').append(o.what()).append('>');
        }
    }

    private static void items(Container c, StringBuilder sb, int depth) {
        for (int i = 0; i < c.items.size() && i < 6; i++) {
            if (i > 0) {
                sb.append(c.kind == Kind.DICT && i % 2 == 1 ? ": " : ", ");
            }
            render(c.items.get(i), sb, depth + 1);
        }
        if (c.count > 6) {
            sb.append(", ... (").append(c.count).append(" items)");
        }
    }
}
