package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.InputCursor;
import io.airlock.formats.PickleMachine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the {@link PickleMachine} over every pickle stream in a byte stream and turns what it saw
 * into findings: each distinct import judged by the {@link ImportTiers} table, each event by its
 * rule, a failure as {@code pickle.malformed} or {@code pickle.limit_exceeded}, and bytes after
 * the last stream as {@code pickle.trailing_data}.
 *
 * <p>Rules: {@code pickle.safe_import} INFO, {@code pickle.unknown_import} policy (MEDIUM),
 * {@code pickle.dangerous_import} CRITICAL, {@code pickle.unlisted_call} HIGH (a call that no entry
 * allows), {@code pickle.needs_code} HIGH (a class whose code is not in the file, {@code __main__.Net}),
 * {@code pickle.discarded_call}, {@code pickle.dynamic_import},
 * {@code pickle.dynamic_call}, {@code pickle.global_mutation}, {@code pickle.extension_code},
 * {@code pickle.out_of_band}, {@code pickle.malformed}, {@code pickle.limit_exceeded},
 * {@code pickle.trailing_data}, {@code torch.legacy_storage} HIGH; {@code pickle.persistent_id}
 * MEDIUM where no loader supplies persistent objects.
 */
final class PickleAnalyzer {
    /** How the streams are laid out, which decides what follows them and what persistent ids mean. */
    enum Mode {
        /** A plain pickle file or member: one or more streams, nothing after them. */
        PLAIN,
        /** data.pkl of a PyTorch archive: persistent ids name storages in the archive. */
        TORCH_ARCHIVE,
        /** torch.save's legacy format: five pickles, then the storages' raw bytes. */
        TORCH_LEGACY,
        /**
         * A pickle of a TorchScript archive (data.pkl, constants.pkl, code/*.debug_pkl): torch.load
         * hands such an archive to torch.jit.load, whose C++ unpickler resolves only its own helpers
         * ({@link #TORCHSCRIPT_GLOBALS}) and {@code __torch__} classes compiled from the archive's code/
         * (reported as torch.torchscript_code); every other global is judged as in any pickle.
         */
        TORCH_SCRIPT
    }

    /** The helpers torch.jit.load's unpickler calls itself (torch/jit/_pickle.py), judged safe there only. */
    static final java.util.Set<String> TORCHSCRIPT_GLOBALS = java.util.Set.of("torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_tensorlist", "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensor_from_id", "torch.jit._pickle.restore_type_tag");

    /**
     * What the streams held.
     *
     * @param streams        pickle streams analysed
     * @param opcodes        opcodes executed over all of them
     * @param imports        imports over all of them
     * @param persistentIds  persistent ids of every stream
     * @param complete       every stream reached STOP and nothing unexplained followed
     * @param frameLied      a FRAME's length disagreed with its content
     */
    record Summary(int streams, long opcodes, int imports, List<PickleMachine.PersistentId> persistentIds,
                   boolean complete, boolean frameLied) {
    }

    private static final int MAX_STREAMS = 64;
    /** torch.save's legacy format writes exactly this many pickles before the storage bytes. */
    private static final int LEGACY_PICKLES = 5;

    private final ImportTiers tiers;
    private final StaticScanPolicy policy;

    PickleAnalyzer(ImportTiers tiers, StaticScanPolicy policy) {
        this.tiers = tiers;
        this.policy = policy;
    }

    /** The same bytes again from the start, for a second reading (null when they cannot be read again). */
    interface Reopen {
        java.io.InputStream open() throws IOException;
    }

    Summary analyze(InputCursor in, String where, Mode mode, Findings out) throws IOException {
        return analyze(in, null, where, mode, out);
    }

    /**
     * Analyses every stream as CPython reads them contiguously; when a FRAME lied, reads the bytes again
     * as the C unpickler over an io.BytesIO does (torch.load's data.pkl reader, {@link
     * PickleMachine.Reading#BYTES_IO}) and reports what only that reading imports or calls.
     */
    Summary analyze(InputCursor in, Reopen reopen, String where, Mode mode, Findings out) throws IOException {
        long base = in.position() - in.consumed();
        long length = in.length();
        Summary s = analyze(in, where, mode, out, PickleMachine.Reading.CONTIGUOUS);
        if (!s.frameLied()) {
            return s;
        }
        if (reopen == null) {
            out.add("pickle.malformed", Severity.HIGH, where.isEmpty() ? "stream" : where, "a FRAME lies, and these bytes"
                    + " cannot be read a second time here: what the C unpickler over an io.BytesIO (torch.load) would read"
                    + " past it was not analysed", "");
            return s;
        }
        Findings second = out.scratch();
        try (java.io.InputStream again = reopen.open()) {
            analyze(new InputCursor(again, base, length, "pickle.malformed"), where, mode, second,
                    PickleMachine.Reading.BYTES_IO);
        }
        java.util.Set<String> known = new java.util.HashSet<>();
        out.list().forEach(f -> known.add(f.rule() + "\n" + f.message()));
        for (io.airlock.contracts.Finding f : second.list()) {
            // only what this reading adds: an import or call the contiguous reading did not see, or saw as less
            if (SECOND_READING.contains(f.rule()) && known.add(f.rule() + "\n" + f.message())) {
                out.add(f.rule(), f.severity(), f.location(), f.message() + " (as the C unpickler reads it over an"
                        + " io.BytesIO, as torch.load reads data.pkl: the operand that crosses a lying FRAME's end is read"
                        + " afresh after it)", f.evidence());
            }
        }
        return s;
    }

    /** Rules that say what a reading imports or calls: those a second reading adds are reported. */
    private static final java.util.Set<String> SECOND_READING = java.util.Set.of("pickle.dangerous_import",
            "pickle.unvetted_version",
            "pickle.unlisted_call", "pickle.needs_code", "pickle.unknown_import", "pickle.discarded_call",
            "pickle.dynamic_import", "pickle.dynamic_call", "pickle.global_mutation", "pickle.extension_code",
            "pickle.out_of_band");

    private Summary analyze(InputCursor in, String where, Mode mode, Findings out, PickleMachine.Reading reading)
            throws IOException {
        boolean frameLied = false;
        int streams = 0;
        long opcodes = 0;
        int imports = 0;
        List<PickleMachine.PersistentId> pids = new ArrayList<>();
        List<String> lastRoot = List.of();
        boolean complete = true;
        while (true) {
            long start = in.position();
            PickleMachine.Result r = PickleMachine.run(in, policy.pickle(), reading);
            frameLied |= r.eventCounts().containsKey(PickleMachine.EventKind.FRAME_MISMATCH);
            // the first stream always counts; a later one only once it looks like a pickle at all
            boolean garbage = streams > 0 && r.failure() != null && r.opcodes() <= 1;
            if (garbage) {
                trailing(in, where, start, out, "bytes after the last pickle stream that are not a pickle");
                complete = false;
                break;
            }
            streams++;
            opcodes += r.opcodes();
            imports += r.imports().size();
            pids.addAll(r.persistentIds());
            report(r, where, streams, mode, out);
            if (r.failure() != null) {
                complete = false;
                break;
            }
            lastRoot = r.rootStrings();
            if (mode == Mode.TORCH_LEGACY && streams == LEGACY_PICKLES) {
                complete = legacyStorages(in, where, pids, lastRoot, out);
                break;
            }
            if (in.atEnd()) {
                if (mode == Mode.TORCH_LEGACY) {
                    out.add("torch.legacy_storage", Severity.HIGH, Findings.at(where, in.position()),
                            "legacy torch file ends after " + streams + " of its " + LEGACY_PICKLES + " pickles", "");
                    complete = false;
                }
                break;
            }
            if (startsLikeZip(in)) {
                trailing(in, where, in.position(), out, "a zip archive follows the pickle (pickle/zip polyglot: zip readers"
                        + " and pickle readers see different content)");
                complete = false;
                break;
            }
            if (streams >= MAX_STREAMS) {
                trailing(in, where, in.position(), out, "more than " + MAX_STREAMS + " pickle streams");
                complete = false;
                break;
            }
        }
        return new Summary(streams, opcodes, imports, pids, complete, frameLied);
    }

    private static boolean startsLikeZip(InputCursor in) throws IOException {
        byte[] b = in.peekBytes(4);
        return b.length == 4 && b[0] == 'P' && b[1] == 'K' && (b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6);
    }

    private void trailing(InputCursor in, String where, long at, Findings out, String why) throws IOException {
        in.drain();
        out.add("pickle.trailing_data", Severity.HIGH, Findings.at(where, at), why + " (" + (in.position() - at)
                + " bytes from offset " + at + ")", "");
    }

    private void report(PickleMachine.Result r, String where, int stream, Mode mode, Findings out) {
        String streamNote = stream > 1 ? " (pickle stream " + stream + ")" : "";
        Map<String, List<PickleMachine.Import>> byName = new LinkedHashMap<>();
        for (PickleMachine.Import i : r.imports()) {
            byName.computeIfAbsent(i.qualified(), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<String, List<PickleMachine.Import>> e : byName.entrySet()) {
            PickleMachine.Import first = e.getValue().get(0);
            ImportTiers.Verdict v = judge(e.getValue(), mode);
            String calledAs = firstCall(r, e.getValue());
            String raw = first.rawModule() + "." + first.rawName();
            String renamed = raw.equals(first.qualified()) ? ""
                    : " (written as " + raw + ", renamed for protocol " + r.protocol() + ")";
            long times = e.getValue().stream().mapToLong(PickleMachine.Import::count).sum();
            String count = times > 1 ? ", " + times + " times" : "";
            String loc = Findings.at(where, first.offset());
            String evidence = calledAs.isEmpty() ? first.opcode() + " " + e.getKey() + " (imported, never called)" : calledAs;
            switch (v.tier()) {
                case SAFE -> out.add("pickle.safe_import", Severity.INFO, loc, "imports " + e.getKey() + renamed
                        + ", a known-safe global (" + v.why() + ")" + count + streamNote, evidence);
                case DANGEROUS -> out.add("pickle.dangerous_import", Severity.CRITICAL, loc, "imports " + e.getKey()
                        + renamed + ": " + v.why() + " [" + v.pattern() + "]" + count + streamNote, evidence);
                case UNKNOWN -> out.add("pickle.unknown_import", policy.unknownImport(), loc, "imports " + e.getKey()
                        + renamed + ", which is not on the allowlist" + (v.why().isEmpty() ? "" : " (" + v.why() + ")")
                        + count + streamNote, evidence);
                case UNLISTED_CALL -> out.add("pickle.unlisted_call", Severity.HIGH, loc, "calls " + e.getKey() + renamed
                        + ": " + v.why() + count + streamNote, evidence);
                case UNVETTED_VERSION -> out.add("pickle.unvetted_version", Severity.MEDIUM, loc, "imports " + e.getKey()
                        + renamed + ": " + v.why() + count + streamNote, evidence);
                case NEEDS_CODE -> out.add("pickle.needs_code", Severity.HIGH, loc, "imports " + e.getKey() + renamed
                        + ": " + v.why() + " [" + v.pattern() + "]" + count + streamNote, evidence);
            }
        }
        for (PickleMachine.Event ev : r.events()) {
            String loc = Findings.at(where, ev.offset());
            switch (ev.kind()) {
                case DISCARDED_CALL -> out.add("pickle.discarded_call", Severity.HIGH, loc,
                        "a call's result is thrown away: it ran only for its side effect" + streamNote, ev.detail());
                case DYNAMIC_IMPORT -> out.add("pickle.dynamic_import", Severity.HIGH, loc,
                        "a global whose name is computed while loading cannot be judged before it runs" + streamNote, ev.detail());
                case DYNAMIC_CALL -> out.add("pickle.dynamic_call", Severity.HIGH, loc,
                        "a call on something that is not an imported global" + streamNote, ev.detail());
                case GLOBAL_MUTATION -> out.add("pickle.global_mutation", Severity.HIGH, loc,
                        "BUILD on a global sets attributes on a module or class (monkey-patching)" + streamNote, ev.detail());
                case EXTENSION_CODE -> out.add("pickle.extension_code", Severity.HIGH, loc,
                        "an extension code names a global outside the stream (copyreg registry)" + streamNote, ev.detail());
                case OUT_OF_BAND_BUFFER -> out.add("pickle.out_of_band", Severity.HIGH, loc,
                        "out-of-band buffers take data the scanner cannot see" + streamNote, ev.detail());
                case FRAME_MISMATCH -> out.add("pickle.malformed", Severity.HIGH, loc, "malformed pickle: " + ev.detail()
                        + "; CPython's C unpickler (pickle.load, torch.load) reads on, pickle._Unpickler (joblib, dill)"
                        + " stops here: the analysis reads on, so what either would run is reported" + streamNote, "");
                case PERSISTENT_ID -> {
                    // judged below, from the persistent ids themselves
                }
            }
        }
        r.eventCounts().forEach((kind, n) -> {
            if (n > PickleMachine.KEPT_EVENTS && kind != PickleMachine.EventKind.PERSISTENT_ID) {
                out.add(rule(kind), Severity.HIGH, where.isEmpty() ? "stream" : where, (n - PickleMachine.KEPT_EVENTS)
                        + " more events of this kind in the stream" + streamNote, "");
            }
        });
        long persistent = r.eventCounts().getOrDefault(PickleMachine.EventKind.PERSISTENT_ID, 0L);
        if (persistent > 0 && mode == Mode.PLAIN) {
            PickleMachine.PersistentId first = r.persistentIds().get(0);
            out.add("pickle.persistent_id", Severity.MEDIUM, Findings.at(where, first.offset()), persistent
                    + " persistent id(s): objects supplied by the loader's persistent_load, outside this stream" + streamNote,
                    String.join(", ", first.parts()));
        }
        if (mode != Mode.PLAIN) {
            for (PickleMachine.PersistentId p : r.persistentIds()) {
                if (p.parts().isEmpty() || !p.parts().get(0).equals("storage")) {
                    out.add("pickle.persistent_id", Severity.MEDIUM, Findings.at(where, p.offset()),
                            "a persistent id that is not a torch storage reference" + streamNote, String.join(", ", p.parts()));
                }
            }
        }
        if (r.failure() != null) {
            boolean limit = r.failure().kind() == PickleMachine.FailureKind.LIMIT;
            out.add(limit ? "pickle.limit_exceeded" : "pickle.malformed", Severity.HIGH,
                    Findings.at(where, r.failure().offset()), (limit ? "analysis stopped at a bound: " : "malformed pickle: ")
                            + r.failure().message() + streamNote + (calls(r) == 0 ? ""
                            : "; " + calls(r) + " call(s) came before it and would already have run"), "");
        }
    }

    /** One name's imports (the same name may be written several ways) judged together, by their use. */
    private ImportTiers.Verdict judge(List<PickleMachine.Import> imports, Mode mode) {
        PickleMachine.Import first = imports.get(0);
        if (mode == Mode.TORCH_SCRIPT && (TORCHSCRIPT_GLOBALS.contains(first.qualified())
                || first.module().equals("__torch__") || first.module().startsWith("__torch__."))) {
            return new ImportTiers.Verdict(ImportTiers.Tier.SAFE, "torch.jit.load", "resolved by torch.jit.load's unpickler:"
                    + " its own list helpers, or a TorchScript class compiled from the archive's code/", true);
        }
        ImportTiers.Verdict worst = null;
        for (PickleMachine.Import i : imports) {
            ImportTiers.Verdict v = tiers.judge(i);
            if (worst == null || v.tier().compareTo(worst.tier()) > 0) {
                worst = v;
            }
        }
        return worst;
    }

    private static long calls(PickleMachine.Result r) {
        return r.imports().stream().mapToLong(PickleMachine.Import::calls).sum();
    }

    private static String rule(PickleMachine.EventKind k) {
        return switch (k) {
            case DISCARDED_CALL -> "pickle.discarded_call";
            case DYNAMIC_IMPORT -> "pickle.dynamic_import";
            case DYNAMIC_CALL -> "pickle.dynamic_call";
            case GLOBAL_MUTATION -> "pickle.global_mutation";
            case EXTENSION_CODE -> "pickle.extension_code";
            case OUT_OF_BAND_BUFFER -> "pickle.out_of_band";
            case PERSISTENT_ID -> "pickle.persistent_id";
            case FRAME_MISMATCH -> "pickle.malformed";
        };
    }

    private static String firstCall(PickleMachine.Result r, List<PickleMachine.Import> imps) {
        for (PickleMachine.CallSite c : r.calls()) {
            for (PickleMachine.Import i : imps) {
                if (c.importIndex() == i.index()) {
                    return c.opcode() + " at offset " + c.offset() + ": " + c.rendered();
                }
            }
        }
        return "";
    }

    /**
     * After the fifth legacy pickle (the storage keys), each storage is an 8-byte element count and
     * its raw bytes, in key order; element sizes come from the storage types in the persistent ids.
     */
    private boolean legacyStorages(InputCursor in, String where, List<PickleMachine.PersistentId> pids,
                                   List<String> keys, Findings out) throws IOException {
        Map<String, Integer> elementSize = new LinkedHashMap<>();
        for (PickleMachine.PersistentId p : pids) {
            if (p.parts().size() >= 3 && p.parts().get(0).equals("storage")) {
                elementSize.putIfAbsent(p.parts().get(2), elementSize(p.parts().get(1)));
            }
        }
        for (String key : keys) {
            long at = in.position();
            Integer size = elementSize.get(key);
            if (size == null || size <= 0) {
                out.add("torch.legacy_storage", Severity.HIGH, Findings.at(where, at), "legacy storage '" + key
                        + "' has no known element type in the model pickle, so its bytes cannot be accounted for", "");
                in.drain();
                return false;
            }
            try {
                long numel = in.u64();
                if (numel < 0) {
                    throw new IllegalArgumentException();
                }
                long bytes = Math.multiplyExact(numel, (long) size);
                in.require(bytes, "storage '" + key + "'");
                in.skip(bytes);
            } catch (io.airlock.formats.FormatViolation | ArithmeticException | IllegalArgumentException e) {
                out.add("torch.legacy_storage", Severity.HIGH, Findings.at(where, at), "legacy storage '" + key
                        + "' record runs past the end of the file", "");
                in.drain();
                return false;
            }
        }
        if (!in.atEnd()) {
            trailing(in, where, in.position(), out, "bytes after the last legacy storage record");
            return false;
        }
        return true;
    }

    /** Bytes per element of a torch storage class name, -1 when unknown. */
    static int elementSize(String storageType) {
        String t = storageType.toLowerCase(Locale.ROOT);
        t = t.substring(t.lastIndexOf('.') + 1).replace("storage", "");
        return switch (t) {
            case "double", "long", "complexfloat" -> 8;
            case "float", "int", "qint32" -> 4;
            case "half", "bfloat16", "short" -> 2;
            case "char", "byte", "bool", "qint8", "quint8", "quint4x2", "quint2x4", "untyped", "_untyped", "typed" -> 1;
            case "complexdouble" -> 16;
            default -> -1;
        };
    }
}
