package io.airlock.formats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Walks the structure of a whole ONNX {@code ModelProto} for what a runtime would fetch from
 * outside it: every tensor that keeps its data in an external file (initializers, sparse
 * initializers, tensors in node attributes, and all of those inside subgraphs, functions and
 * training graphs), and every operator or opset import from a domain outside
 * {@link #STANDARD_DOMAINS} that no model-local function defines. A runtime resolves an external
 * tensor's {@code location} against the model's folder and reads that file, so a single-file
 * artifact that names one reads bytes nobody submitted or scanned; an operator from an unknown
 * domain loads only with a custom-op library, native code that is not part of the model.
 *
 * <p>Walks the protobuf structure only: tags and lengths, each checked against the enclosing
 * message's end; tensor payloads are stepped over by their length, nothing is parsed into
 * objects. Nesting depth, the number of fields visited, the length of the identifiers it keeps
 * and the characters kept for custom operators and local functions are bounded.
 */
public final class OnnxExternalData {

    /** Operator-set domains the runtimes implement themselves; "" is ai.onnx. */
    public static final Set<String> STANDARD_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training",
            "com.microsoft");

    /**
     * One tensor with external data.
     *
     * @param tensor     the tensor's name ("" when unnamed)
     * @param location   the location it names ("" when it only sets data_location EXTERNAL)
     * @param offset     where the tensor's message starts in the file
     * @param dataOffset its {@code offset} entry as written, empty when absent
     * @param dataLength its {@code length} entry as written, empty when absent
     */
    public record Ref(String tensor, String location, long offset, Optional<String> dataOffset,
                      Optional<String> dataLength) {
        public Ref(String tensor, String location, long offset) {
            this(tensor, location, offset, Optional.empty(), Optional.empty());
        }
    }

    /**
     * An operator, or an opset import, from a domain outside {@link #STANDARD_DOMAINS} that no
     * model-local function defines. Names are printable: bytes outside ASCII as {@code \xNN}.
     *
     * @param domain the domain
     * @param opType the operator ("" for an opset import that no node of this list uses)
     * @param where  its first use: node name or opset import, and the message's offset
     * @param uses   how many nodes use it (1 for an opset import)
     */
    public record CustomOp(String domain, String opType, String where, long uses) {
    }

    /**
     * What the walk found.
     *
     * @param refs      tensors with external data, in file order
     * @param customOps operators and opset imports from custom domains, in file order
     * @param nodes     nodes walked (graphs, subgraphs, functions, training graphs)
     * @param functions model-local functions
     */
    public record Model(List<Ref> refs, List<CustomOp> customOps, long nodes, long functions) {
        public Model {
            refs = List.copyOf(refs);
            customOps = List.copyOf(customOps);
        }
    }

    private enum Msg { MODEL, TRAINING, GRAPH, NODE, ATTRIBUTE, SPARSE, FUNCTION, TENSOR, ENTRY, OPSET }

    private static final int MAX_DEPTH = 32;
    /** Identifiers (domains, operator and function names, external-data keys and values) longer than this are refused. */
    static final int MAX_STRING = 4096;
    /** Characters kept for custom operators and local functions together; a model needing more is refused. */
    static final long MAX_KEPT = 8L << 20;

    private final Cursor in;
    private final long maxFields;
    private long fields;
    private long nodes;
    private long kept;
    private final List<Ref> refs = new ArrayList<>();
    /** Custom-domain operators, in first-use order. */
    private final Map<Op, Use> uses = new LinkedHashMap<>();
    /** Custom-domain opset imports, in file order. */
    private final Map<String, Use> opsets = new LinkedHashMap<>();
    private final Set<Op> functions = new HashSet<>();
    private final Set<String> functionDomains = new HashSet<>();

    /** What a node calls and a function defines; compared byte for byte (ISO-8859-1 strings). */
    private record Op(String domain, String opType, String overload) {
        long chars() {
            return domain.length() + opType.length() + overload.length();
        }
    }

    private OnnxExternalData(ByteSource src, long maxFields) {
        this.in = new Cursor(src);
        this.maxFields = maxFields;
    }

    /**
     * Lists the external-data tensors of a whole ModelProto.
     *
     * @param maxFields bound on protobuf fields visited
     * @throws MalformedException when the structure is not well formed or a bound is exceeded
     */
    public static List<Ref> find(ByteSource src, long maxFields) throws IOException, MalformedException {
        return walk(src, maxFields).refs();
    }

    /**
     * Walks a whole ModelProto: external-data tensors and custom-domain operators.
     *
     * @param maxFields bound on protobuf fields visited
     * @throws MalformedException when the structure is not well formed or a bound is exceeded
     */
    public static Model walk(ByteSource src, long maxFields) throws IOException, MalformedException {
        if (src.readable() != src.size()) {
            throw new IllegalArgumentException("needs the whole model");
        }
        OnnxExternalData w = new OnnxExternalData(src, maxFields);
        w.walk(Msg.MODEL, 0, src.size(), 0);
        return new Model(w.refs, w.customOps(), w.nodes, w.functions.size());
    }

    private static Msg child(Msg parent, int field) {
        return switch (parent) {
            case MODEL -> switch (field) {
                case 7 -> Msg.GRAPH;
                case 8 -> Msg.OPSET;
                case 20 -> Msg.TRAINING;
                case 25 -> Msg.FUNCTION;
                default -> null;
            };
            case TRAINING -> field == 1 || field == 2 ? Msg.GRAPH : null;
            case GRAPH -> field == 1 ? Msg.NODE : field == 5 ? Msg.TENSOR : field == 15 ? Msg.SPARSE : null;
            case NODE -> field == 5 ? Msg.ATTRIBUTE : null;
            case ATTRIBUTE -> switch (field) {
                case 5, 10 -> Msg.TENSOR;
                case 6, 11 -> Msg.GRAPH;
                case 22, 23 -> Msg.SPARSE;
                default -> null;
            };
            case SPARSE -> field == 1 || field == 2 ? Msg.TENSOR : null;
            case FUNCTION -> field == 7 ? Msg.NODE : field == 9 ? Msg.OPSET : null;
            case TENSOR -> field == 13 ? Msg.ENTRY : null;
            case ENTRY, OPSET -> null;
        };
    }

    /** String fields kept, by message: names for reports, identifiers compared byte for byte. */
    private static Kind string(Msg type, int field) {
        return switch (type) {
            case TENSOR -> field == 8 ? Kind.TENSOR_NAME : null;
            case ENTRY -> field == 1 ? Kind.KEY : field == 2 ? Kind.VALUE : null;
            case NODE -> field == 3 ? Kind.NODE_NAME : field == 4 ? Kind.OP_TYPE : field == 7 ? Kind.DOMAIN
                    : field == 8 ? Kind.OVERLOAD : null;
            case FUNCTION -> field == 1 ? Kind.OP_TYPE : field == 10 ? Kind.DOMAIN : field == 13 ? Kind.OVERLOAD : null;
            case OPSET -> field == 1 ? Kind.DOMAIN : null;
            default -> null;
        };
    }

    private enum Kind { TENSOR_NAME, NODE_NAME, KEY, VALUE, OP_TYPE, DOMAIN, OVERLOAD }

    /** The small fields of one message; a repeated singular field keeps its last value, as protobuf does. */
    private static final class Seen {
        String name = "";
        String key = "";
        String value = "";
        String opType = "";
        String domain = "";
        String overload = "";
        String location = "";
        Optional<String> dataOffset = Optional.empty();
        Optional<String> dataLength = Optional.empty();
        boolean external;
    }

    /** Walks one message spanning [start, end) and returns the fields it keeps. */
    private Seen walk(Msg type, long start, long end, int depth) throws IOException, MalformedException {
        if (depth > MAX_DEPTH) {
            throw new MalformedException("graphs nested deeper than " + MAX_DEPTH, start);
        }
        in.pos = start;
        Seen s = new Seen();
        while (in.pos < end) {
            if (++fields > maxFields) {
                throw new MalformedException("more than " + maxFields + " protobuf fields", in.pos);
            }
            long at = in.pos;
            long tag = in.varint(end);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 0) {
                throw new MalformedException("field number 0", at);
            }
            switch (wire) {
                case 0 -> {
                    long v = in.varint(end);
                    if (type == Msg.TENSOR && field == 14 && v == 1) {
                        s.external = true;
                    }
                }
                case 1 -> in.skip(8, end);
                case 5 -> in.skip(4, end);
                case 2 -> {
                    long len = in.varint(end);
                    if (len < 0 || len > end - in.pos) {
                        throw new MalformedException("field " + field + " declares " + len + " bytes, "
                                + (end - in.pos) + " remain in its message", at);
                    }
                    long from = in.pos;
                    Msg c = child(type, field);
                    Kind k = c == null ? string(type, field) : null;
                    if (c == Msg.ENTRY) {
                        Seen e = walk(c, from, from + len, depth + 1);
                        s.external = true;
                        switch (e.key) {
                            case "location" -> s.location = e.value;
                            case "offset" -> s.dataOffset = Optional.of(e.value);
                            case "length" -> s.dataLength = Optional.of(e.value);
                            default -> {
                            }
                        }
                    } else if (c != null) {
                        walk(c, from, from + len, depth + 1);
                    } else if (k != null) {
                        keep(s, k, len, at);
                    }
                    in.pos = from + len;
                }
                default -> throw new MalformedException("wire type " + wire + " is not used by ONNX", at);
            }
        }
        if (in.pos != end) {
            throw new MalformedException("a field runs past the end of its message", end);
        }
        switch (type) {
            case TENSOR -> {
                if (s.external) {
                    refs.add(new Ref(s.name, s.location, start, s.dataOffset, s.dataLength));
                }
            }
            case NODE -> {
                nodes++;
                if (!STANDARD_DOMAINS.contains(s.domain)) {
                    String where = (s.name.isEmpty() ? "unnamed node" : "node '" + s.name + "'") + " (offset " + start + ")";
                    Op op = new Op(s.domain, s.opType, s.overload);
                    use(uses, op, op.chars(), s.domain, s.opType, where, start);
                }
            }
            case FUNCTION -> {
                Op op = new Op(s.domain, s.opType, s.overload);
                if (!STANDARD_DOMAINS.contains(s.domain) && !functions.contains(op)) {
                    budget(2 * op.chars(), start);
                    functions.add(op);
                    functionDomains.add(s.domain);
                }
            }
            case OPSET -> {
                if (!STANDARD_DOMAINS.contains(s.domain)) {
                    use(opsets, s.domain, s.domain.length(), s.domain, "", "opset import (offset " + start + ")", start);
                }
            }
            default -> {
            }
        }
        return s;
    }

    private void keep(Seen s, Kind k, long len, long at) throws IOException, MalformedException {
        // names are only reported: a long one is cut, not refused
        if (k == Kind.TENSOR_NAME) {
            s.name = new String(in.bytes(Math.min(len, MAX_STRING)), StandardCharsets.UTF_8);
            return;
        }
        if (k == Kind.NODE_NAME) {
            s.name = printable(in.bytes(Math.min(len, 200)));
            return;
        }
        if (len > MAX_STRING) {
            throw new MalformedException(k.name().toLowerCase(java.util.Locale.ROOT) + " of " + len
                    + " bytes, over the bound of " + MAX_STRING, at);
        }
        byte[] b = in.bytes(len);
        switch (k) {
            // external-data keys and values as a runtime decodes them; identifiers byte for byte
            case KEY -> s.key = new String(b, StandardCharsets.UTF_8);
            case VALUE -> s.value = new String(b, StandardCharsets.UTF_8);
            case OP_TYPE -> s.opType = new String(b, StandardCharsets.ISO_8859_1);
            case DOMAIN -> s.domain = new String(b, StandardCharsets.ISO_8859_1);
            case OVERLOAD -> s.overload = new String(b, StandardCharsets.ISO_8859_1);
            default -> throw new IllegalStateException(k.name());
        }
    }

    /** Counts a use of a custom domain; which of them a local function answers is known only at the end. */
    private <K> void use(Map<K, Use> map, K key, long chars, String domain, String opType, String where, long at)
            throws MalformedException {
        Use u = map.get(key);
        if (u == null) {
            budget(chars + where.length(), at);
            map.put(key, new Use(domain, opType, where));
        } else {
            u.count++;
        }
    }

    private void budget(long chars, long at) throws MalformedException {
        kept += chars;
        if (kept > MAX_KEPT) {
            throw new MalformedException("more than " + MAX_KEPT + " characters of custom operator and function names",
                    at);
        }
    }

    private List<CustomOp> customOps() {
        List<CustomOp> out = new ArrayList<>();
        Set<String> opDomains = new HashSet<>();
        for (Map.Entry<Op, Use> e : uses.entrySet()) {
            if (!functions.contains(e.getKey())) {
                Use u = e.getValue();
                opDomains.add(u.domain);
                out.add(new CustomOp(latin1Printable(u.domain), latin1Printable(u.opType), u.where, u.count));
            }
        }
        for (Use u : opsets.values()) {
            // an import that only local functions or the operators listed above need adds nothing
            if (!functionDomains.contains(u.domain) && !opDomains.contains(u.domain)) {
                out.add(new CustomOp(latin1Printable(u.domain), "", u.where, 1));
            }
        }
        return out;
    }

    /** One custom-domain operator or opset import, while the walk goes on. */
    private static final class Use {
        final String domain;
        final String opType;
        final String where;
        long count = 1;

        Use(String domain, String opType, String where) {
            this.domain = domain;
            this.opType = opType;
            this.where = where;
        }
    }

    private static String printable(byte[] b) {
        return Bytes.printable(b, 0, b.length, 120);
    }

    private static String latin1Printable(String s) {
        return printable(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Buffered sequential reads with seeks over a ByteSource. */
    private static final class Cursor {
        private final ByteSource src;
        private final byte[] buf = new byte[64 * 1024];
        private long bufStart = -1;
        private int bufLen;
        long pos;

        Cursor(ByteSource src) {
            this.src = src;
        }

        int next(long end) throws IOException, MalformedException {
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

        long varint(long end) throws IOException, MalformedException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = next(end);
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedException("varint longer than 10 bytes", pos);
        }

        void skip(int n, long end) throws MalformedException {
            if (n > end - pos) {
                throw new MalformedException("fixed-width value runs past the end of its message", pos);
            }
            pos += n;
        }

        /** Up to {@code len} bytes at the cursor (the caller has checked them against the message's end). */
        byte[] bytes(long len) throws IOException {
            return src.readExactly(pos, (int) len);
        }
    }
}
