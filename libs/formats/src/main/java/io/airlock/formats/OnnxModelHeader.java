package io.airlock.formats;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The top level of an ONNX {@code ModelProto}: IR version, opset imports, producer and where the
 * graph lies. Reads field tags and small fields only and steps over the graph and other large
 * fields by their declared length, each checked against the bytes that remain.
 *
 * <p>It is strict where ONNX writers are uniform: {@code ir_version} (field 1) comes first, every
 * known field has its declared wire type, and a graph must be present. Unknown field numbers are
 * stepped over (newer ONNX versions add fields) and counted.
 *
 * @param irVersion       field 1
 * @param opsetImports    domain ("" is the default ai.onnx domain) to version, in file order
 * @param producerName    field 2, "" when absent
 * @param producerVersion field 3, "" when absent
 * @param graphOffset     where the graph's bytes start
 * @param graphLength     how long the graph is
 * @param unknownFields   fields with numbers this reader does not know
 * @param complete        false when the source was only a head and the walk stopped at its end
 */
public record OnnxModelHeader(long irVersion, Map<String, Long> opsetImports, String producerName,
                              String producerVersion, long graphOffset, long graphLength, int unknownFields,
                              boolean complete) {

    /** IR versions go up by one a year or so (11 in 2025); far above that is not ONNX. */
    public static final long MAX_IR_VERSION = 64;
    static final int MAX_SMALL_FIELD = 64 * 1024;
    static final int MAX_OPSETS = 1024;

    public OnnxModelHeader {
        opsetImports = Map.copyOf(opsetImports);
    }

    /**
     * Parses the top-level fields.
     *
     * @param maxFields bound on the number of top-level fields walked
     * @throws MalformedException when the bytes are not a ModelProto (or a truncated one)
     */
    public static OnnxModelHeader read(ByteSource src, int maxFields) throws IOException, MalformedException {
        Reader r = new Reader(src);
        long irVersion = -1;
        Map<String, Long> opsets = new LinkedHashMap<>();
        String producer = "";
        String producerVersion = "";
        long graphOffset = -1;
        long graphLength = -1;
        int unknown = 0;
        boolean complete = true;
        for (int n = 0; r.pos < src.size(); n++) {
            if (n >= maxFields) {
                throw new MalformedException("more than " + maxFields + " top-level fields", r.pos);
            }
            long fieldAt = r.pos;
            long tag;
            long len = 0;
            long v = 0;
            try {
                tag = r.varint();
                if ((tag & 7) == 2 || (tag & 7) == 0) {
                    // a head may end inside the tag or its length: then the answer is incomplete, not malformed
                    long x = r.varint();
                    len = x;
                    v = x;
                }
            } catch (HeadEnds e) {
                complete = false;
                break;
            }
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (tag >>> 3 > 0x1fffffff || field == 0) {
                throw new MalformedException("invalid field number " + (tag >>> 3), fieldAt);
            }
            if (n == 0 && (field != 1 || wire != 0)) {
                throw new MalformedException("a ModelProto starts with ir_version (field 1)", fieldAt);
            }
            int expected = expectedWire(field);
            if (expected >= 0 && wire != expected) {
                throw new MalformedException("field " + field + " has wire type " + wire + ", expected " + expected,
                        fieldAt);
            }
            switch (wire) {
                case 0 -> {
                    if (field == 1) {
                        if (v < 1 || v > MAX_IR_VERSION) {
                            throw new MalformedException("ir_version " + v + " is out of range", fieldAt);
                        }
                        irVersion = v;
                    }
                }
                case 1 -> r.skip(8);
                case 5 -> r.skip(4);
                case 2 -> {
                    if (len < 0 || len > src.size() - r.pos) {
                        throw new MalformedException("field " + field + " declares " + len + " bytes, "
                                + (src.size() - r.pos) + " remain", fieldAt);
                    }
                    long start = r.pos;
                    boolean small = len <= MAX_SMALL_FIELD;
                    boolean inReach = start + len <= src.readable();
                    if (field == 7) {
                        graphOffset = start;
                        graphLength = len;
                    } else if ((field == 2 || field == 3) && small && inReach) {
                        String s = utf8(src.readExactly(start, (int) len), fieldAt);
                        if (field == 2) {
                            producer = s;
                        } else {
                            producerVersion = s;
                        }
                    } else if (field == 8 && small && inReach) {
                        if (opsets.size() >= MAX_OPSETS) {
                            throw new MalformedException("more than " + MAX_OPSETS + " opset imports", fieldAt);
                        }
                        readOpset(src.readExactly(start, (int) len), opsets, fieldAt);
                    } else if (field == 8) {
                        throw new MalformedException("opset import of " + len + " bytes", fieldAt);
                    }
                    if (expected < 0) {
                        unknown++;
                    }
                    r.pos = start + len;
                }
                default -> throw new MalformedException("wire type " + wire + " is not used by ONNX", fieldAt);
            }
            if (r.pos > src.size()) {
                throw new MalformedException("field " + field + " runs past the end", fieldAt);
            }
            if (r.pos > src.readable()) {
                complete = false;
                break;
            }
        }
        if (irVersion < 0) {
            throw new MalformedException("no ir_version", 0);
        }
        if (graphOffset < 0 && complete) {
            throw new MalformedException("no graph", src.size());
        }
        return new OnnxModelHeader(irVersion, opsets, producer, producerVersion, graphOffset, graphLength, unknown,
                complete);
    }

    /** The default-domain opset, or -1 when the model imports none. */
    public long defaultOpset() {
        Long v = opsetImports.get("");
        if (v == null) {
            v = opsetImports.get("ai.onnx");
        }
        return v == null ? -1 : v;
    }

    /** Wire type of each ModelProto field this reader knows; -1 for others. */
    private static int expectedWire(int field) {
        return switch (field) {
            case 1, 5 -> 0;
            case 2, 3, 4, 6, 7, 8, 14, 20, 25, 26 -> 2;
            default -> -1;
        };
    }

    private static void readOpset(byte[] b, Map<String, Long> opsets, long at) throws MalformedException, IOException {
        Reader r = new Reader(ByteSource.of(b));
        String domain = "";
        long version = -1;
        while (r.pos < b.length) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 2) {
                long len = r.varint();
                if (len < 0 || len > b.length - r.pos) {
                    throw new MalformedException("opset domain runs past its import", at);
                }
                domain = utf8(java.util.Arrays.copyOfRange(b, (int) r.pos, (int) (r.pos + len)), at);
                r.pos += len;
            } else if (field == 2 && wire == 0) {
                version = r.varint();
            } else {
                throw new MalformedException("unexpected field " + field + " in an opset import", at);
            }
        }
        if (version < 0) {
            throw new MalformedException("opset import without a version", at);
        }
        opsets.put(domain, version);
    }

    private static String utf8(byte[] b, long at) throws MalformedException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("string field is not UTF-8", at);
        }
    }

    /** The readable head ended inside a tag: the answer is incomplete, not malformed. */
    private static final class HeadEnds extends RuntimeException {
        HeadEnds() {
            super(null, null, false, false);
        }
    }

    /** Varint and skip over a ByteSource; each read is checked against the readable bytes. */
    private static final class Reader {
        final ByteSource src;
        long pos;
        private final byte[] one = new byte[1];

        Reader(ByteSource src) {
            this.src = src;
        }

        long varint() throws IOException, MalformedException {
            long v = 0;
            long start = pos;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= src.readable() && src.readable() < src.size()) {
                    throw new HeadEnds();
                }
                if (pos >= src.readable() || src.read(pos, one, 0, 1) != 1) {
                    throw new MalformedException("varint runs past the end", start);
                }
                pos++;
                int b = one[0] & 0xff;
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedException("varint longer than 10 bytes", start);
        }

        void skip(int n) throws MalformedException {
            if (n > src.size() - pos) {
                throw new MalformedException("fixed-width field runs past the end", pos);
            }
            pos += n;
        }
    }
}
