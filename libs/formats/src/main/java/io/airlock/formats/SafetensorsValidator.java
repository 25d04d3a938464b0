package io.airlock.formats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict validation of a safetensors file: an 8-byte little-endian header length, a JSON object
 * header, then the tensor data. Stricter than the reference loader wherever a looser reading would
 * let two readers see different tensors (duplicate keys, unknown fields, holes).
 *
 * <p>The header (up to 100 MB) is read by a streaming, schema-specific JSON reader: nothing but the
 * tensor names, dtypes and offsets is kept, so memory stays proportional to the number of tensors,
 * not to the header's size. Every number is range-checked before arithmetic and every product is
 * computed with overflow checks.
 *
 * <p>Rules (all HIGH): {@code safetensors.header_length}, {@code safetensors.malformed_json},
 * {@code safetensors.duplicate_key}, {@code safetensors.metadata}, {@code safetensors.bad_entry},
 * {@code safetensors.unknown_dtype}, {@code safetensors.overflow}, {@code safetensors.size_mismatch},
 * {@code safetensors.offset_order}, {@code safetensors.out_of_file}, {@code safetensors.hole},
 * {@code safetensors.overlap}, {@code safetensors.trailing_bytes}, {@code safetensors.too_many_tensors}.
 */
public final class SafetensorsValidator {
    /** The reference loader's bound (decimal megabytes, as it is written there). */
    public static final long MAX_HEADER = 100_000_000L;
    public static final int MAX_TENSORS = 250_000;
    /** Tensor names and metadata keys beyond this are not names any writer produces. */
    static final int MAX_NAME = 64 * 1024;
    static final int MAX_DIMS = 64;

    /** Element sizes in bits of every dtype the format defines (sub-byte floats included). */
    static final Map<String, Integer> DTYPE_BITS = Map.ofEntries(
            Map.entry("BOOL", 8), Map.entry("U8", 8), Map.entry("I8", 8),
            Map.entry("F8_E5M2", 8), Map.entry("F8_E4M3", 8), Map.entry("F8_E8M0", 8),
            Map.entry("I16", 16), Map.entry("U16", 16), Map.entry("F16", 16), Map.entry("BF16", 16),
            Map.entry("I32", 32), Map.entry("U32", 32), Map.entry("F32", 32),
            Map.entry("I64", 64), Map.entry("U64", 64), Map.entry("F64", 64),
            Map.entry("C64", 64), Map.entry("F4", 4), Map.entry("F6_E2M3", 6), Map.entry("F6_E3M2", 6));

    /**
     * One tensor entry.
     *
     * @param name  the key
     * @param dtype one of {@link #DTYPE_BITS}
     * @param shape dimensions
     * @param begin data offset (relative to the data section)
     * @param end   end offset, exclusive
     */
    public record Tensor(String name, String dtype, long[] shape, long begin, long end) {
    }

    /**
     * A valid file's layout.
     *
     * @param headerLength     the JSON header's length
     * @param dataStart        absolute offset of the data section
     * @param dataLength       bytes of tensor data
     * @param tensors          entries in data order
     * @param metadataEntries  string pairs in {@code __metadata__}
     */
    public record Layout(long headerLength, long dataStart, long dataLength, List<Tensor> tensors, int metadataEntries) {
        public Layout {
            tensors = List.copyOf(tensors);
        }
    }

    private SafetensorsValidator() {
    }

    /**
     * Validates the whole file.
     *
     * @throws FormatViolation the first rule the file breaks
     */
    public static Layout validate(ByteSource src) throws IOException, FormatViolation {
        long size = src.size();
        if (size < 8 || src.readable() < size) {
            throw new FormatViolation("safetensors.header_length", "a " + size + "-byte file has no room for the header length", 0);
        }
        byte[] h = src.readExactly(0, 8);
        long n = Bytes.u64le(h, 0);
        if (n < 0 || n > MAX_HEADER) {
            throw new FormatViolation("safetensors.header_length", "header length " + Long.toUnsignedString(n)
                    + " is over the " + MAX_HEADER + "-byte bound", 0);
        }
        if (n > size - 8) {
            throw new FormatViolation("safetensors.header_length", "header length " + n + " runs past the end of a "
                    + size + "-byte file", 0);
        }
        Header header = new Header(InputCursor.of(src, 8, n, "safetensors.malformed_json"));
        header.readTop();
        long dataLength = size - 8 - n;
        List<Tensor> ts = header.tensors;
        for (Tensor t : ts) {
            checkSize(t, 8 + n);
            if (t.end() < t.begin()) {
                throw new FormatViolation("safetensors.offset_order", "tensor '" + printable(t.name()) + "' ends at "
                        + t.end() + " before it begins at " + t.begin(), 8 + n, tensor(t));
            }
            if (t.end() > dataLength) {
                throw new FormatViolation("safetensors.out_of_file", "tensor '" + printable(t.name()) + "' ends at "
                        + t.end() + ", past the " + dataLength + " bytes of data", 8 + n, tensor(t));
            }
        }
        List<Tensor> sorted = new ArrayList<>(ts);
        sorted.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
        long expected = 0;
        for (Tensor t : sorted) {
            if (t.begin() > expected) {
                throw new FormatViolation("safetensors.hole", "bytes " + expected + ".." + t.begin()
                        + " of the data belong to no tensor (before '" + printable(t.name()) + "')", 8 + n + expected, tensor(t));
            }
            if (t.begin() < expected) {
                throw new FormatViolation("safetensors.overlap", "tensor '" + printable(t.name()) + "' starts at "
                        + t.begin() + ", inside the previous tensor which ends at " + expected, 8 + n + t.begin(), tensor(t));
            }
            expected = t.end();
        }
        if (expected != dataLength) {
            throw new FormatViolation("safetensors.trailing_bytes", (dataLength - expected)
                    + " bytes after the last tensor belong to no tensor", 8 + n + expected);
        }
        return new Layout(n, 8 + n, dataLength, sorted, header.metadataEntries);
    }

    private static void checkSize(Tensor t, long dataStart) throws FormatViolation {
        long elements = 1;
        try {
            for (long d : t.shape()) {
                elements = Math.multiplyExact(elements, d);
            }
            long bits = Math.multiplyExact(elements, (long) DTYPE_BITS.get(t.dtype()));
            if (bits % 8 != 0) {
                throw new FormatViolation("safetensors.size_mismatch", "tensor '" + printable(t.name()) + "' of "
                        + elements + " " + t.dtype() + " elements is not a whole number of bytes", dataStart, tensor(t));
            }
            long bytes = bits / 8;
            if (t.end() - t.begin() != bytes && t.end() >= t.begin()) {
                throw new FormatViolation("safetensors.size_mismatch", "tensor '" + printable(t.name()) + "' shape "
                        + Arrays.toString(t.shape()) + " of " + t.dtype() + " needs " + bytes + " bytes, its offsets span "
                        + (t.end() - t.begin()), dataStart, tensor(t));
            }
        } catch (ArithmeticException e) {
            throw new FormatViolation("safetensors.overflow", "tensor '" + printable(t.name()) + "' shape "
                    + Arrays.toString(t.shape()) + " of " + t.dtype() + " overflows a 64-bit byte count", dataStart, tensor(t));
        }
    }

    private static String tensor(Tensor t) {
        return "tensor '" + printable(t.name()) + "'";
    }

    static String printable(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Bytes.printable(b, 0, b.length, 120);
    }

    /** The schema-specific streaming reader of the JSON header. */
    private static final class Header {
        private final InputCursor in;
        final List<Tensor> tensors = new ArrayList<>();
        int metadataEntries;

        Header(InputCursor in) {
            this.in = in;
        }

        void readTop() throws IOException, FormatViolation {
            if (in.peek() != '{') {
                throw json("the header must start with '{'");
            }
            Set<String> keys = new HashSet<>();
            expect('{');
            if (ws() == '}') {
                in.u8();
            } else {
                while (true) {
                    long at = in.position();
                    String key = string(MAX_NAME, "a top-level key");
                    if (!keys.add(key)) {
                        throw new FormatViolation("safetensors.duplicate_key", "key '" + printable(key)
                                + "' appears twice in the header", at, "key '" + printable(key) + "'");
                    }
                    colon();
                    if (key.equals("__metadata__")) {
                        metadata();
                    } else {
                        if (tensors.size() >= MAX_TENSORS) {
                            throw new FormatViolation("safetensors.too_many_tensors", "more than " + MAX_TENSORS
                                    + " tensors", at);
                        }
                        tensors.add(entry(key, at));
                    }
                    int c = ws();
                    in.u8();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw json("expected ',' or '}' after a member, found " + show(c));
                    }
                }
            }
            // JSON whitespace may pad the header (writers align the data to 8 bytes with spaces)
            int c = ws();
            if (c >= 0) {
                throw json(in.remaining() + " bytes of non-whitespace after the header object, starting with " + show(c));
            }
        }

        private void metadata() throws IOException, FormatViolation {
            long at = in.position();
            if (ws() != '{') {
                throw new FormatViolation("safetensors.metadata", "__metadata__ must be an object of strings", at);
            }
            in.u8();
            Set<String> keys = new HashSet<>();
            if (ws() == '}') {
                in.u8();
                return;
            }
            while (true) {
                long kat = in.position();
                String key = string(MAX_NAME, "a metadata key");
                if (!keys.add(key)) {
                    throw new FormatViolation("safetensors.duplicate_key", "metadata key '" + printable(key)
                            + "' appears twice", kat, "metadata '" + printable(key) + "'");
                }
                colon();
                if (ws() != '"') {
                    throw new FormatViolation("safetensors.metadata", "metadata value of '" + printable(key)
                            + "' is not a string", in.position(), "metadata '" + printable(key) + "'");
                }
                skipString();
                metadataEntries++;
                int c = ws();
                in.u8();
                if (c == '}') {
                    return;
                }
                if (c != ',') {
                    throw json("expected ',' or '}' in __metadata__, found " + show(c));
                }
            }
        }

        private Tensor entry(String name, long at) throws IOException, FormatViolation {
            String loc = "tensor '" + printable(name) + "'";
            if (ws() != '{') {
                throw new FormatViolation("safetensors.bad_entry", "entry '" + printable(name) + "' is not an object", at, loc);
            }
            in.u8();
            String dtype = null;
            long[] shape = null;
            long[] offsets = null;
            Set<String> fields = new HashSet<>();
            if (ws() == '}') {
                in.u8();
            } else {
                while (true) {
                    long fat = in.position();
                    String f = string(64, "a field name");
                    if (!fields.add(f)) {
                        throw new FormatViolation("safetensors.duplicate_key", "field '" + printable(f) + "' appears twice in "
                                + loc, fat, loc);
                    }
                    colon();
                    switch (f) {
                        case "dtype" -> {
                            if (ws() != '"') {
                                throw new FormatViolation("safetensors.bad_entry", "dtype of " + loc + " is not a string", fat, loc);
                            }
                            dtype = string(32, "a dtype");
                            if (!DTYPE_BITS.containsKey(dtype)) {
                                throw new FormatViolation("safetensors.unknown_dtype", "dtype '" + printable(dtype)
                                        + "' of " + loc + " is not a safetensors dtype", fat, loc);
                            }
                        }
                        case "shape" -> shape = integers(MAX_DIMS, loc, "shape");
                        case "data_offsets" -> {
                            offsets = integers(2, loc, "data_offsets");
                            if (offsets.length != 2) {
                                throw new FormatViolation("safetensors.bad_entry", "data_offsets of " + loc
                                        + " must hold two numbers, not " + offsets.length, fat, loc);
                            }
                        }
                        default -> throw new FormatViolation("safetensors.bad_entry", "unknown field '" + printable(f)
                                + "' in " + loc, fat, loc);
                    }
                    int c = ws();
                    in.u8();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw json("expected ',' or '}' in " + loc + ", found " + show(c));
                    }
                }
            }
            if (dtype == null || shape == null || offsets == null) {
                throw new FormatViolation("safetensors.bad_entry", loc + " lacks "
                        + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"), at, loc);
            }
            return new Tensor(name, dtype, shape, offsets[0], offsets[1]);
        }

        /** An array of at most {@code max} non-negative integers that fit a signed 64-bit long. */
        private long[] integers(int max, String loc, String field) throws IOException, FormatViolation {
            long at = in.position();
            if (ws() != '[') {
                throw new FormatViolation("safetensors.bad_entry", field + " of " + loc + " is not an array", at, loc);
            }
            in.u8();
            long[] out = new long[Math.min(max, 8)];
            int n = 0;
            if (ws() == ']') {
                in.u8();
                return new long[0];
            }
            while (true) {
                if (n == max) {
                    throw new FormatViolation("safetensors.bad_entry", field + " of " + loc + " has more than " + max
                            + " numbers", in.position(), loc);
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, Math.min(max, out.length * 2));
                }
                out[n++] = integer(loc, field);
                int c = ws();
                in.u8();
                if (c == ']') {
                    return Arrays.copyOf(out, n);
                }
                if (c != ',') {
                    throw json("expected ',' or ']' in " + field + " of " + loc + ", found " + show(c));
                }
            }
        }

        private long integer(String loc, String field) throws IOException, FormatViolation {
            long at = in.position();
            int c = ws();
            if (c < '0' || c > '9') {
                throw new FormatViolation("safetensors.bad_entry", field + " of " + loc
                        + " holds something other than a non-negative integer: " + show(c), at, loc);
            }
            long v = 0;
            int digits = 0;
            boolean overflow = false;
            while (in.peek() >= '0' && in.peek() <= '9') {
                int d = in.u8() - '0';
                if (digits == 1 && v == 0) {
                    throw json("a number with a leading zero in " + field + " of " + loc);
                }
                if (v > (Long.MAX_VALUE - d) / 10) {
                    overflow = true;
                } else {
                    v = v * 10 + d;
                }
                digits++;
            }
            int next = in.peek();
            if (next == '.' || next == 'e' || next == 'E') {
                throw new FormatViolation("safetensors.bad_entry", field + " of " + loc + " holds a non-integer number",
                        at, loc);
            }
            if (overflow) {
                throw new FormatViolation("safetensors.overflow", field + " of " + loc
                        + " holds a number over 2^63-1", at, loc);
            }
            return v;
        }

        private void colon() throws IOException, FormatViolation {
            if (ws() != ':') {
                throw json("expected ':' after a key");
            }
            in.u8();
        }

        private void expect(int c) throws IOException, FormatViolation {
            if (ws() != c) {
                throw json("expected '" + (char) c + "'");
            }
            in.u8();
        }

        /** Skips JSON whitespace; returns the next byte (not consumed), -1 at the end. */
        private int ws() throws IOException {
            int c;
            while ((c = in.peek()) == ' ' || c == '\t' || c == '\n' || c == '\r') {
                in.drainOne();
            }
            return c;
        }

        /** Reused for every kept string: names are short, and most headers hold hundreds of thousands. */
        private byte[] sbuf = new byte[256];
        private int slen;

        private String string(int max, String what) throws IOException, FormatViolation {
            if (ws() != '"') {
                throw json("expected a string for " + what);
            }
            slen = 0;
            stringBody(true, max, what);
            return new String(sbuf, 0, slen, StandardCharsets.UTF_8);
        }

        private void skipString() throws IOException, FormatViolation {
            stringBody(false, Integer.MAX_VALUE, "a metadata value");
        }

        /**
         * Reads a JSON string, validating UTF-8 strictly (no overlong forms, no encoded surrogates,
         * nothing past U+10FFFF) and escapes (no lone surrogates); keeps it as UTF-8 when asked.
         */
        private void stringBody(boolean keep, int max, String what) throws IOException, FormatViolation {
            long at = in.position();
            in.u8(); // the opening quote
            long kept = 0;
            while (true) {
                int c = in.u8();
                if (c == '"') {
                    return;
                }
                if (c < 0x20) {
                    throw json("control byte " + show(c) + " inside a string");
                }
                int cp;
                if (c == '\\') {
                    cp = escape();
                } else if (c < 0x80) {
                    cp = c;
                } else {
                    cp = utf8(c);
                }
                if (keep) {
                    if (++kept > max) {
                        throw new FormatViolation("safetensors.bad_entry", what + " longer than " + max + " characters", at);
                    }
                    put(cp);
                }
            }
        }

        /** Appends a code point as UTF-8. */
        private void put(int cp) {
            if (slen + 4 > sbuf.length) {
                sbuf = Arrays.copyOf(sbuf, sbuf.length * 2);
            }
            if (cp < 0x80) {
                sbuf[slen++] = (byte) cp;
            } else if (cp < 0x800) {
                sbuf[slen++] = (byte) (0xc0 | cp >> 6);
                sbuf[slen++] = (byte) (0x80 | cp & 0x3f);
            } else if (cp < 0x10000) {
                sbuf[slen++] = (byte) (0xe0 | cp >> 12);
                sbuf[slen++] = (byte) (0x80 | cp >> 6 & 0x3f);
                sbuf[slen++] = (byte) (0x80 | cp & 0x3f);
            } else {
                sbuf[slen++] = (byte) (0xf0 | cp >> 18);
                sbuf[slen++] = (byte) (0x80 | cp >> 12 & 0x3f);
                sbuf[slen++] = (byte) (0x80 | cp >> 6 & 0x3f);
                sbuf[slen++] = (byte) (0x80 | cp & 0x3f);
            }
        }

        private int escape() throws IOException, FormatViolation {
            int e = in.u8();
            return switch (e) {
                case '"' -> '"';
                case '\\' -> '\\';
                case '/' -> '/';
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    int u = hex4();
                    if (Character.isHighSurrogate((char) u)) {
                        if (in.u8() != '\\' || in.u8() != 'u') {
                            throw json("a lone high surrogate escape");
                        }
                        int lo = hex4();
                        if (!Character.isLowSurrogate((char) lo)) {
                            throw json("a high surrogate escape not followed by a low one");
                        }
                        yield Character.toCodePoint((char) u, (char) lo);
                    }
                    if (Character.isLowSurrogate((char) u)) {
                        throw json("a lone low surrogate escape");
                    }
                    yield u;
                }
                default -> throw json("invalid escape \\" + show(e));
            };
        }

        private int hex4() throws IOException, FormatViolation {
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(in.u8(), 16);
                if (d < 0) {
                    throw json("a \\u escape with a non-hex digit");
                }
                v = v << 4 | d;
            }
            return v;
        }

        private int utf8(int c) throws IOException, FormatViolation {
            int need;
            int cp;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
                cp = c & 0x1f;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                cp = c & 0x0f;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                cp = c & 0x07;
                min = 0x10000;
            } else {
                throw json("invalid UTF-8 lead byte " + show(c));
            }
            for (int i = 0; i < need; i++) {
                int b = in.u8();
                if ((b & 0xc0) != 0x80) {
                    throw json("invalid UTF-8 continuation byte " + show(b));
                }
                cp = cp << 6 | b & 0x3f;
            }
            if (cp < min || cp > 0x10ffff || cp >= 0xd800 && cp <= 0xdfff) {
                throw json("invalid UTF-8 sequence (overlong, surrogate or out of range)");
            }
            return cp;
        }

        private FormatViolation json(String why) {
            return new FormatViolation("safetensors.malformed_json", "header is not strict JSON: " + why, in.position());
        }

        private static String show(int c) {
            if (c < 0) {
                return "the end of the header";
            }
            return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
        }
    }
}
