package io.airlock.formats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks a TensorFlow {@code saved_model.pb} for the operations that reach outside the graph:
 * Python callbacks, file reads and writes, and checkpoint save/restore ops with the path they are
 * given. Nothing else of the graph is kept.
 *
 * <p>The protobuf path walked: {@code SavedModel.meta_graphs=2 > MetaGraphDef.graph_def=2 >
 * GraphDef{node=1, library=2 > FunctionDefLibrary.function=1 > FunctionDef{signature=1 > OpDef.name=1,
 * node_def=3}}}; a {@code NodeDef} is {@code name=1, op=2, input=3, attr=5} (map entries
 * {@code key=1, value=2 > AttrValue}; a string constant's {@code AttrValue.tensor=8 > TensorProto
 * {dtype=1, string_val=8}}). Each graph and each function is one scope: TensorFlow names inputs
 * within it ({@code node}, {@code node:0}, {@code node:output:0}, {@code ^node} for control).
 *
 * <p>Bounded like {@link OnnxExternalData}: every length is checked against its enclosing message,
 * fields visited are counted, operator names over {@value #MAX_STRING} bytes are refused, node names
 * and constants are cut for reports, and the names kept per scope are bounded.
 */
public final class SavedModelGraph {
    /** Ops that run Python: the function is looked up by a token in the loading process. */
    public static final Set<String> PYTHON_OPS = Set.of("PyFunc", "PyFuncStateless", "EagerPyFunc");
    /** Ops that read, list or write files by a path they are given at run time. */
    public static final Set<String> FILE_OPS = Set.of("ReadFile", "WriteFile", "MatchingFiles", "SaveDataset",
            "ExperimentalSaveDataset", "DatasetToTFRecord", "ExperimentalDatasetToTFRecord", "CreateSummaryFileWriter",
            "WholeFileReader", "WholeFileReaderV2", "ImmutableConst", "TextLineDataset", "TFRecordDataset",
            "FixedLengthRecordDataset", "LoadDataset", "ExperimentalLoadDataset");
    /** Checkpoint ops: normal when the saver feeds their path, not when a constant in the graph names it. */
    public static final Set<String> CHECKPOINT_OPS = Set.of("Save", "SaveV2", "SaveSlices", "Restore", "RestoreV2",
            "RestoreSlice", "MergeV2Checkpoints");

    /** Ops whose output is their inputs' value (joined, for StringJoin): a path built from constants is a constant. */
    static final Set<String> DERIVED_OPS = Set.of("Identity", "Snapshot", "StringJoin", "PlaceholderWithDefault");

    static final int MAX_STRING = 4096;
    /** Data inputs kept per node (to resolve paths); a node with more never resolves to a constant. */
    static final int MAX_INPUTS = 16;
    /** Characters of node names and constants kept per scope (to resolve inputs); more is refused. */
    static final long MAX_KEPT = 16L << 20;
    private static final int DT_STRING = 7;

    /**
     * One operation of interest.
     *
     * @param scope     "graph" or "function 'NAME'" (meta graph index first when there are several)
     * @param node      the node's name (cut for reports)
     * @param op        the operation
     * @param pathInput the input that carries its path (first input, or the one naming a constant; "" when none)
     * @param constant  the string constant that input names in the same scope, or null when it is fed otherwise
     * @param offset    where the node's message starts in the file
     */
    public record Op(String scope, String node, String op, String pathInput, String constant, long offset) {
    }

    /**
     * What the walk found.
     *
     * @param ops        operations of interest, in file order
     * @param metaGraphs meta graphs walked
     * @param nodes      nodes walked (graphs and functions)
     * @param functions  functions walked
     */
    public record Graph(List<Op> ops, int metaGraphs, long nodes, long functions) {
        public Graph {
            ops = List.copyOf(ops);
        }
    }

    private final ByteSource src;
    private final long maxFields;
    private final byte[] buf = new byte[64 * 1024];
    private long bufStart = -1;
    private int bufLen;
    private long pos;
    private long fields;
    private long nodes;
    private long functions;
    private int metaGraphs;
    private final List<Op> ops = new ArrayList<>();

    private SavedModelGraph(ByteSource src, long maxFields) {
        this.src = src;
        this.maxFields = maxFields;
    }

    /**
     * Walks a whole saved_model.pb.
     *
     * @param maxFields bound on protobuf fields visited
     * @throws MalformedException when the structure is not well formed, is no SavedModel, or a bound is exceeded
     */
    public static Graph walk(ByteSource src, long maxFields) throws IOException, MalformedException {
        if (src.readable() != src.size()) {
            throw new IllegalArgumentException("needs the whole file");
        }
        SavedModelGraph w = new SavedModelGraph(src, maxFields);
        w.savedModel(src.size());
        if (w.metaGraphs == 0) {
            throw new MalformedException("no meta graph: not a SavedModel", 0);
        }
        return new Graph(w.ops, w.metaGraphs, w.nodes, w.functions);
    }

    /** A field's header; {@code len} is set for length-delimited fields, other values are skipped. */
    private int field;
    private long len;
    private long value;
    private long at;

    /** Reads the next field of a message ending at {@code end}; false at its end. Non-length fields are consumed. */
    private boolean next(long end) throws IOException, MalformedException {
        if (pos >= end) {
            if (pos != end) {
                throw new MalformedException("a field runs past the end of its message", end);
            }
            return false;
        }
        if (++fields > maxFields) {
            throw new MalformedException("more than " + maxFields + " protobuf fields", pos);
        }
        at = pos;
        long tag = varint(end);
        field = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        len = -1;
        if (field == 0) {
            throw new MalformedException("field number 0", at);
        }
        switch (wire) {
            case 0 -> value = varint(end);
            case 1 -> skip(8, end);
            case 5 -> skip(4, end);
            case 2 -> {
                len = varint(end);
                if (len < 0 || len > end - pos) {
                    throw new MalformedException("field " + field + " declares " + len + " bytes, " + (end - pos)
                            + " remain in its message", at);
                }
            }
            default -> throw new MalformedException("wire type " + wire + " is not used by SavedModel", at);
        }
        return true;
    }

    private void savedModel(long end) throws IOException, MalformedException {
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 2) {
                metaGraphs++;
                metaGraph(stop);
            }
            pos = stop;
        }
    }

    private void metaGraph(long end) throws IOException, MalformedException {
        String prefix = metaGraphs > 1 ? "meta graph " + metaGraphs + ", " : "";
        List<Scope> graphs = new ArrayList<>();
        String fed = "";
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 2) {
                graphs.add(graph(stop, prefix));
            } else if (field == 3) {
                fed = saverFilename(stop);
            }
            pos = stop;
        }
        // saver_def (field 3) comes after graph_def: the graph is judged once the saver's fed path is known
        for (Scope g : graphs) {
            g.judge(nodeOf(fed));
        }
    }

    /** SaverDef.filename_tensor_name (field 1): the tensor the loader feeds with the checkpoint's path. */
    private String saverFilename(long end) throws IOException, MalformedException {
        String name = "";
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 1) {
                name = text(len, MAX_STRING);
            }
            pos = stop;
        }
        return name;
    }

    private Scope graph(long end, String prefix) throws IOException, MalformedException {
        Scope scope = new Scope(prefix + "graph");
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 1) {
                scope.node(node(stop));
            } else if (field == 2) {
                library(stop, prefix);
            }
            pos = stop;
        }
        return scope;
    }

    private void library(long end, String prefix) throws IOException, MalformedException {
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 1) {
                function(stop, prefix);
            }
            pos = stop;
        }
    }

    private void function(long end, String prefix) throws IOException, MalformedException {
        functions++;
        List<Node> body = new ArrayList<>();
        String name = "?";
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 1) {
                name = opDefName(stop);
            } else if (field == 3) {
                body.add(node(stop));
            }
            pos = stop;
        }
        // the signature may come after the body: the scope is named once the function is read
        Scope scope = new Scope(prefix + "function '" + name + "'");
        for (Node n : body) {
            scope.node(n);
        }
        scope.judge("");
    }

    private String opDefName(long end) throws IOException, MalformedException {
        String name = "?";
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            if (field == 1) {
                name = text(len, 200);
            }
            pos = stop;
        }
        return name;
    }

    /** One NodeDef: its name, op, first two data inputs and, for a string Const, its first value. */
    private record Node(String name, String op, List<String> inputs, String constant, long offset) {
    }

    private Node node(long end) throws IOException, MalformedException {
        long start = pos;
        nodes++;
        String name = "";
        String op = "";
        List<String> inputs = new ArrayList<>(2);
        int dropped = 0;
        String constant = null;
        boolean stringType = false;
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long stop = pos + len;
            switch (field) {
                case 1 -> name = text(len, MAX_STRING);
                case 2 -> {
                    if (len > MAX_STRING) {
                        throw new MalformedException("operation name of " + len + " bytes, over the bound of "
                                + MAX_STRING, at);
                    }
                    op = text(len, MAX_STRING);
                }
                case 3 -> {
                    String in = text(len, MAX_STRING);
                    if (!in.startsWith("^") && inputs.size() < MAX_INPUTS) {
                        inputs.add(in); // control inputs (^node) carry no data
                    } else if (!in.startsWith("^")) {
                        dropped++;
                    }
                }
                case 5 -> {
                    Attr a = attr(stop);
                    stringType |= a.stringType();
                    if (a.string() != null) {
                        constant = a.string();
                    }
                }
                default -> {
                }
            }
            pos = stop;
        }
        boolean stringConst = (op.equals("Const") || op.equals("HostConst")) && (stringType || constant != null);
        if (dropped > 0) {
            inputs.add(null); // more inputs than kept: never resolved to a constant
        }
        return new Node(name, op, inputs, stringConst ? (constant == null ? "" : constant) : null, start);
    }

    /** What one attr map entry says: a string dtype, or a string tensor's first value. */
    private record Attr(boolean stringType, String string) {
    }

    private Attr attr(long end) throws IOException, MalformedException {
        boolean stringType = false;
        String string = null;
        while (next(end)) {
            if (len < 0) {
                continue;
            }
            long valueEnd = pos + len;
            if (field == 2) {
                // AttrValue: type=6 (a varint), tensor=8 (a TensorProto: dtype=1, string_val=8)
                while (next(valueEnd)) {
                    if (len < 0) {
                        stringType |= field == 6 && value == DT_STRING;
                        continue;
                    }
                    long stop = pos + len;
                    if (field == 8) {
                        while (next(stop)) {
                            if (len < 0) {
                                stringType |= field == 1 && value == DT_STRING;
                                continue;
                            }
                            long tStop = pos + len;
                            if (field == 8 && string == null) {
                                string = text(len, 200);
                            }
                            pos = tStop;
                        }
                    }
                    pos = stop;
                }
            }
            pos = valueEnd;
        }
        return new Attr(stringType, string);
    }

    /** The nodes of one graph or function: inputs name nodes of the same scope, defined before or after. */
    private final class Scope {
        final String name;
        final Map<String, String> constants = new HashMap<>();
        /** Nodes whose value is their inputs' when those are constant (Identity, StringJoin, ...). */
        final Map<String, Node> derived = new HashMap<>();
        final List<Node> interesting = new ArrayList<>();
        long kept;

        Scope(String name) {
            this.name = name;
        }

        void node(Node n) throws MalformedException {
            if (n.constant() != null) {
                keep(n.name().length() + n.constant().length(), n.offset());
                constants.put(n.name(), n.constant());
            } else if (DERIVED_OPS.contains(n.op())) {
                keep(n.name().length() + n.inputs().stream().mapToLong(i -> i == null ? 0 : i.length()).sum(), n.offset());
                derived.put(n.name(), n);
            }
            if (PYTHON_OPS.contains(n.op()) || FILE_OPS.contains(n.op()) || CHECKPOINT_OPS.contains(n.op())) {
                interesting.add(n);
            }
        }

        private void keep(long chars, long at) throws MalformedException {
            kept += chars;
            if (kept > MAX_KEPT) {
                throw new MalformedException("more than " + MAX_KEPT + " characters of string constants in " + name, at);
            }
        }

        /** Judges the ops found; {@code fed}: the node the loader feeds with the checkpoint path ("" when none). */
        void judge(String fed) {
            for (Node n : interesting) {
                // MergeV2Checkpoints writes to its second input (destination_prefix); the others' path is the first
                int paths = n.op().equals("MergeV2Checkpoints") ? 2 : 1;
                String ref = "";
                String constant = null;
                for (int i = 0; i < Math.min(paths, n.inputs().size()) && constant == null; i++) {
                    ref = n.inputs().get(i);
                    constant = ref == null ? null : constant(ref, fed, new HashSet<>());
                }
                ops.add(new Op(name, cut(n.name()), n.op(), ref == null ? "" : cut(ref), constant, n.offset()));
            }
        }

        /**
         * The string an input always carries when it is computed from constants alone (through
         * Identity, StringJoin, a PlaceholderWithDefault nobody is known to feed), else null. The
         * saver's own path tensor is fed by the loader: never a constant.
         */
        private String constant(String ref, String fed, Set<String> seen) {
            String n = nodeOf(ref);
            if (n.equals(fed) || !seen.add(n) || seen.size() > 64) {
                return null;
            }
            String c = constants.get(n);
            if (c != null) {
                return c;
            }
            Node d = derived.get(n);
            if (d == null || d.inputs().isEmpty()) {
                return null;
            }
            StringBuilder joined = new StringBuilder();
            for (String in : d.inputs()) {
                String v = in == null ? null : constant(in, fed, seen);
                if (v == null) {
                    return null;
                }
                joined.append(v);
            }
            return cut(joined.toString());
        }
    }

    /** A node name from an input reference: {@code node}, {@code node:0}, {@code node:output:0}. */
    private static String nodeOf(String ref) {
        int colon = ref.indexOf(':');
        return colon < 0 ? ref : ref.substring(0, colon);
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** A string field read for reports and name resolution: at most {@code keep} bytes, printable. */
    private String text(long n, int keep) throws IOException, MalformedException {
        byte[] b = new byte[(int) Math.min(n, keep)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) read(Long.MAX_VALUE);
        }
        pos += n - b.length;
        String s = new String(b, StandardCharsets.UTF_8);
        return s.chars().allMatch(c -> c >= 0x20 && c != 0x7f) ? s : Bytes.printable(b, 0, b.length, keep);
    }

    private int read(long end) throws IOException, MalformedException {
        if (pos >= end) {
            throw new MalformedException("value runs past the end of its message", pos);
        }
        if (bufStart < 0 || pos < bufStart || pos >= bufStart + bufLen) {
            bufStart = pos;
            bufLen = src.read(pos, buf, 0, buf.length);
            if (bufLen <= 0) {
                throw new MalformedException("unexpected end of file", pos);
            }
        }
        return buf[(int) (pos++ - bufStart)] & 0xff;
    }

    private long varint(long end) throws IOException, MalformedException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = read(end);
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new MalformedException("varint longer than 10 bytes", pos);
    }

    private void skip(long n, long end) throws MalformedException {
        if (n > end - pos) {
            throw new MalformedException("fixed-width value runs past the end of its message", pos);
        }
        pos += n;
    }
}
