package io.airlock.scanner.engine.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds every tensor of an ONNX model that keeps its data in an external file: initializers,
 * sparse initializers, tensors in node attributes, and all of those inside subgraphs, functions
 * and training graphs. A runtime resolves such a tensor's {@code location} against the model's
 * folder and reads that file, so a single-file artifact that names one reads bytes nobody
 * submitted or scanned.
 *
 * <p>Walks the protobuf structure only: tags and lengths, each checked against the enclosing
 * message's end; tensor payloads are stepped over by their length. Nesting depth and the number
 * of fields visited are bounded.
 */
public final class OnnxExternalData {

    /**
     * One tensor with external data.
     *
     * @param tensor   the tensor's name ("" when unnamed)
     * @param location the location it names ("" when it only sets data_location EXTERNAL)
     * @param offset   where the tensor's message starts in the file
     */
    public record Ref(String tensor, String location, long offset) {
    }

    private enum Msg { MODEL, TRAINING, GRAPH, NODE, ATTRIBUTE, SPARSE, FUNCTION, TENSOR, ENTRY }

    private static final int MAX_DEPTH = 32;
    private static final int MAX_STRING = 4096;

    private final Cursor in;
    private final long maxFields;
    private long fields;
    private final List<Ref> refs = new ArrayList<>();

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
        if (src.readable() != src.size()) {
            throw new IllegalArgumentException("needs the whole model");
        }
        OnnxExternalData w = new OnnxExternalData(src, maxFields);
        w.walk(Msg.MODEL, 0, src.size(), 0);
        return List.copyOf(w.refs);
    }

    private static Msg child(Msg parent, int field) {
        return switch (parent) {
            case MODEL -> field == 7 ? Msg.GRAPH : field == 20 ? Msg.TRAINING : field == 25 ? Msg.FUNCTION : null;
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
            case FUNCTION -> field == 7 ? Msg.NODE : null;
            case TENSOR -> field == 13 ? Msg.ENTRY : null;
            case ENTRY -> null;
        };
    }

    /** Walks one message spanning [start, end); returns, for an ENTRY, its "key=value" text. */
    private String walk(Msg type, long start, long end, int depth) throws IOException, MalformedException {
        if (depth > MAX_DEPTH) {
            throw new MalformedException("graphs nested deeper than " + MAX_DEPTH, start);
        }
        in.pos = start;
        String name = "";
        String location = "";
        boolean external = false;
        String key = "";
        String value = "";
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
                        external = true;
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
                    if (c != null) {
                        String entry = walk(c, from, from + len, depth + 1);
                        if (c == Msg.ENTRY && entry.startsWith("location=")) {
                            location = entry.substring("location=".length());
                            external = true;
                        } else if (c == Msg.ENTRY) {
                            external = true;
                        }
                    } else if (type == Msg.TENSOR && field == 8) {
                        name = in.string(len);
                    } else if (type == Msg.ENTRY && field == 1) {
                        key = in.string(len);
                    } else if (type == Msg.ENTRY && field == 2) {
                        value = in.string(len);
                    }
                    in.pos = from + len;
                }
                default -> throw new MalformedException("wire type " + wire + " is not used by ONNX", at);
            }
        }
        if (in.pos != end) {
            throw new MalformedException("a field runs past the end of its message", end);
        }
        if (type == Msg.TENSOR && external) {
            refs.add(new Ref(name, location, start));
        }
        return type == Msg.ENTRY ? key + "=" + value : "";
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

        String string(long len) throws IOException {
            int n = (int) Math.min(len, MAX_STRING);
            return new String(src.readExactly(pos, n), StandardCharsets.UTF_8);
        }
    }
}
