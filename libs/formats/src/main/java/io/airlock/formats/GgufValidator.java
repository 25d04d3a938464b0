package io.airlock.formats;

import io.airlock.formats.jinja.ChatTemplateRules;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict validation of a GGUF v2/v3 file, as strict as llama.cpp's own loader and stricter where
 * a looser reading would let two readers disagree: the header, every key/value pair, every tensor
 * info, and where the tensor data lies. The tensor data itself is not read.
 *
 * <p>Every count, string and array length is checked against the bytes that remain before it is
 * used; element counts and byte sizes are multiplied with overflow checks; each tensor's offset
 * must be the running padded size of the tensors before it, so tensors neither overlap nor leave
 * holes, and the data must end inside the file. String values under {@code tokenizer.chat_template}
 * (and its named variants) are parsed as jinja2 parses them and judged by {@link ChatTemplateRules}.
 *
 * <p>Fatal problems throw a {@link FormatViolation} (HIGH): {@code gguf.truncated},
 * {@code gguf.version}, {@code gguf.limit}, {@code gguf.unknown_value_type}, {@code gguf.nested_array},
 * {@code gguf.bad_key}, {@code gguf.duplicate_key}, {@code gguf.bad_string}, {@code gguf.bad_bool},
 * {@code gguf.alignment}, {@code gguf.tensor_name}, {@code gguf.duplicate_tensor}, {@code gguf.dims},
 * {@code gguf.size_overflow}, {@code gguf.unknown_tensor_type}, {@code gguf.block_size},
 * {@code gguf.misaligned_offset}, {@code gguf.offset_mismatch}, {@code gguf.out_of_file},
 * {@code gguf.trailing_data}. Template findings are returned as {@link Injection}s for the caller
 * to report ({@code gguf.template_injection}, HIGH), and gguf-split's keys as written
 * ({@link Layout#split()}) for the folder rules to check against the parts' names.
 */
public final class GgufValidator {
    /** GGML_MAX_NAME is 64 including the terminating NUL. */
    public static final int MAX_TENSOR_NAME = 63;
    public static final int MAX_DIMS = 4;
    public static final int DEFAULT_ALIGNMENT = 32;
    static final long MAX_KV = 1L << 20;
    static final long MAX_TENSORS = 1L << 20;
    static final int MAX_KEY = 64 * 1024;
    /** Chat templates are kilobytes; a longer one is read for scanning up to this bound. */
    static final int MAX_TEMPLATE = 16 * 1024 * 1024;
    static final String TEMPLATE_KEY = "tokenizer.chat_template";

    /** Value types and their fixed sizes (0 for STRING and ARRAY, whose size is read). */
    enum ValueType {
        UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(0), ARRAY(0),
        UINT64(8), INT64(8), FLOAT64(8);

        final int size;

        ValueType(int size) {
            this.size = size;
        }

        static ValueType of(long code) {
            return code >= 0 && code < values().length ? values()[(int) code] : null;
        }

        /** The fewest bytes a value of this type takes. */
        int minSize() {
            return this == STRING ? 8 : this == ARRAY ? 12 : size;
        }
    }

    /** ggml tensor types: block size in elements and bytes per block; removed types are absent. */
    public record GgmlType(int id, String name, int blockSize, int typeSize) {
    }

    static final Map<Integer, GgmlType> GGML_TYPES = new LinkedHashMap<>();

    /** Every ggml tensor type this reader accepts. */
    public static java.util.Collection<GgmlType> ggmlTypes() {
        return java.util.Collections.unmodifiableCollection(GGML_TYPES.values());
    }

    private static void t(int id, String name, int block, int size) {
        GGML_TYPES.put(id, new GgmlType(id, name, block, size));
    }

    static {
        t(0, "F32", 1, 4);
        t(1, "F16", 1, 2);
        t(2, "Q4_0", 32, 18);
        t(3, "Q4_1", 32, 20);
        // 4 and 5 (Q4_2, Q4_3) were removed from ggml
        t(6, "Q5_0", 32, 22);
        t(7, "Q5_1", 32, 24);
        t(8, "Q8_0", 32, 34);
        t(9, "Q8_1", 32, 36);
        t(10, "Q2_K", 256, 84);
        t(11, "Q3_K", 256, 110);
        t(12, "Q4_K", 256, 144);
        t(13, "Q5_K", 256, 176);
        t(14, "Q6_K", 256, 210);
        t(15, "Q8_K", 256, 292);
        t(16, "IQ2_XXS", 256, 66);
        t(17, "IQ2_XS", 256, 74);
        t(18, "IQ3_XXS", 256, 98);
        t(19, "IQ1_S", 256, 50);
        t(20, "IQ4_NL", 32, 18);
        t(21, "IQ3_S", 256, 110);
        t(22, "IQ2_S", 256, 82);
        t(23, "IQ4_XS", 256, 136);
        t(24, "I8", 1, 1);
        t(25, "I16", 1, 2);
        t(26, "I32", 1, 4);
        t(27, "I64", 1, 8);
        t(28, "F64", 1, 8);
        t(29, "IQ1_M", 256, 56);
        t(30, "BF16", 1, 2);
        // 31-33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) and 36-38 (IQ4_NL_x_x) were removed: repacking is done at load time now
        t(34, "TQ1_0", 256, 54);
        t(35, "TQ2_0", 256, 66);
        t(39, "MXFP4", 32, 17);
    }

    /**
     * A finding of the chat-template rules ({@link ChatTemplateRules}) on a template in the metadata.
     *
     * @param key      the metadata key
     * @param check    the rule on the template's jinja2 tree that found it
     * @param risk     HIGH for escapes, templates jinja2 refuses and template loading; lower for odd constructs
     * @param message  what was found and why it matters
     * @param context  the template line it was found on
     */
    public record Injection(String key, String check, ChatTemplateRules.Risk risk, String message, String context) {
    }

    /**
     * A tensor's place in the data section.
     *
     * @param name   the tensor's name
     * @param type   its ggml type
     * @param dims   its dimensions
     * @param offset offset in the data section
     * @param bytes  its size in bytes
     */
    public record TensorInfo(String name, GgmlType type, long[] dims, long offset, long bytes) {
    }

    /**
     * A valid file's layout.
     *
     * @param version     2 or 3
     * @param kvCount     key/value pairs
     * @param alignment   data alignment
     * @param dataStart   absolute offset of the data section
     * @param dataEnd     absolute offset where the last tensor ends
     * @param tensors     the tensor infos, in file order
     * @param injections  template-injection markers found
     * @param split       the gguf-split keys present ({@link #SPLIT_KEYS}), by key
     */
    public record Layout(int version, long kvCount, long alignment, long dataStart, long dataEnd,
                         List<TensorInfo> tensors, List<Injection> injections, Map<String, SplitKey> split) {
        public Layout {
            tensors = List.copyOf(tensors);
            injections = List.copyOf(injections);
            split = Map.copyOf(split);
        }
    }

    /**
     * Keys llama.cpp's gguf-split writes into every part: split.no (UINT16, 0-based), split.count
     * (UINT16) and split.tensors.count (INT32, the tensors of all parts together).
     */
    public static final List<String> SPLIT_KEYS = List.of("split.no", "split.count", "split.tensors.count");

    /**
     * A gguf-split key as written.
     *
     * @param type    its value type (UINT16, INT32, ...)
     * @param value   its value, when {@code integer}
     * @param integer whether the type is an integer type (else the value was stepped over)
     */
    public record SplitKey(String type, long value, boolean integer) {
    }

    private GgufValidator() {
    }

    /**
     * Validates the whole file.
     *
     * @throws FormatViolation the first rule the file breaks
     */
    public static Layout validate(ByteSource src) throws IOException, FormatViolation {
        long size = src.size();
        if (src.readable() < size) {
            throw new IllegalArgumentException("GGUF validation needs the whole file");
        }
        InputCursor in = InputCursor.of(src, 0, size, "gguf.truncated");
        byte[] magic = in.take(Math.min(4, size));
        if (magic.length < 4 || magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' || magic[3] != 'F') {
            throw new FormatViolation("gguf.truncated", "no GGUF magic", 0);
        }
        long version = in.u32();
        if (version != 2 && version != 3) {
            throw new FormatViolation("gguf.version", "GGUF version " + version + " is not 2 or 3", 4);
        }
        long tensorCount = in.u64();
        long kvCount = in.u64();
        if (tensorCount < 0 || tensorCount > MAX_TENSORS) {
            throw new FormatViolation("gguf.limit", "tensor count " + Long.toUnsignedString(tensorCount)
                    + " is over the bound of " + MAX_TENSORS, 8);
        }
        if (kvCount < 0 || kvCount > MAX_KV) {
            throw new FormatViolation("gguf.limit", "key/value count " + Long.toUnsignedString(kvCount)
                    + " is over the bound of " + MAX_KV, 16);
        }
        // the smallest pair is a 1-byte key and a 1-byte value; the smallest tensor info a 1-byte name and no dims
        long least = kvCount * (8 + 1 + 4 + 1) + tensorCount * (8 + 1 + 4 + 4 + 8);
        in.require(least, kvCount + " key/value pairs and " + tensorCount + " tensor infos");

        Set<String> keys = new HashSet<>();
        long alignment = DEFAULT_ALIGNMENT;
        List<Injection> injections = new ArrayList<>();
        Map<String, SplitKey> split = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = string(in, MAX_KEY, "gguf.bad_key", "key of pair " + i);
            if (key.isEmpty()) {
                throw new FormatViolation("gguf.bad_key", "key of pair " + i + " is empty", at);
            }
            String loc = "key '" + printable(key) + "'";
            if (!keys.add(key)) {
                throw new FormatViolation("gguf.duplicate_key", "key '" + printable(key) + "' appears twice", at, loc);
            }
            long typeAt = in.position();
            ValueType type = valueType(in.u32(), typeAt, loc);
            if (key.equals("general.alignment")) {
                if (type != ValueType.UINT32) {
                    throw new FormatViolation("gguf.alignment", "general.alignment is " + type + ", not UINT32", typeAt, loc);
                }
                alignment = in.u32();
                if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
                    throw new FormatViolation("gguf.alignment", "general.alignment " + alignment
                            + " is not a power of two", typeAt + 4, loc);
                }
            } else if (SPLIT_KEYS.contains(key)) {
                split.put(key, splitKey(in, type, loc));
            } else if (type == ValueType.STRING && key.startsWith(TEMPLATE_KEY)) {
                String template = string(in, MAX_TEMPLATE, "gguf.limit", loc);
                injections.addAll(scanTemplate(key, template));
            } else {
                value(in, type, loc);
            }
        }

        List<TensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long running = 0;
        for (long i = 0; i < tensorCount; i++) {
            long at = in.position();
            long nameLen = in.u64();
            if (nameLen <= 0 || nameLen > MAX_TENSOR_NAME) {
                throw new FormatViolation("gguf.tensor_name", "tensor " + i + " name is " + Long.toUnsignedString(nameLen)
                        + " bytes; names must be 1 to " + MAX_TENSOR_NAME, at);
            }
            String name = utf8(in.take(nameLen), "gguf.tensor_name", at, "name of tensor " + i);
            String loc = "tensor '" + printable(name) + "'";
            if (!names.add(name)) {
                throw new FormatViolation("gguf.duplicate_tensor", "tensor name '" + printable(name) + "' appears twice", at, loc);
            }
            long nDims = in.u32();
            if (nDims > MAX_DIMS) {
                throw new FormatViolation("gguf.dims", loc + " has " + nDims + " dimensions, at most " + MAX_DIMS
                        + " are allowed", at, loc);
            }
            long[] dims = new long[(int) nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.u64();
                if (dims[d] < 0) {
                    throw new FormatViolation("gguf.size_overflow", loc + " dimension " + d + " is "
                            + Long.toUnsignedString(dims[d]) + ", over 2^63-1", at, loc);
                }
            }
            long typeAt = in.position();
            long typeId = in.u32();
            GgmlType type = typeId <= Integer.MAX_VALUE ? GGML_TYPES.get((int) typeId) : null;
            if (type == null) {
                throw new FormatViolation("gguf.unknown_tensor_type", loc + " has ggml type " + typeId
                        + ", which is unknown or removed", typeAt, loc);
            }
            long offset = in.u64();
            long bytes = byteSize(dims, type, at, loc);
            if (offset < 0 || offset % alignment != 0) {
                throw new FormatViolation("gguf.misaligned_offset", loc + " offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment, typeAt + 4, loc);
            }
            if (offset != running) {
                throw new FormatViolation("gguf.offset_mismatch", loc + " offset " + offset + " is not where the tensors"
                        + " before it end (" + running + "): tensors must be in order, contiguous, without overlap",
                        typeAt + 4, loc);
            }
            try {
                running = Math.addExact(offset, pad(bytes, alignment));
            } catch (ArithmeticException e) {
                throw new FormatViolation("gguf.size_overflow", loc + " ends past 2^63", typeAt + 4, loc);
            }
            tensors.add(new TensorInfo(name, type, dims, offset, bytes));
        }
        long headerEnd = in.position();
        long dataStart = pad(headerEnd, alignment);
        long dataEnd = headerEnd;
        if (!tensors.isEmpty()) {
            TensorInfo last = tensors.get(tensors.size() - 1);
            long lastEnd = last.offset() + last.bytes();
            if (dataStart > size || lastEnd > size - dataStart) {
                throw new FormatViolation("gguf.out_of_file", "tensor data ends at data offset " + dataStart + " + " + lastEnd
                        + ", past the end of the " + size + "-byte file", headerEnd, "tensor '" + printable(last.name()) + "'");
            }
            dataEnd = dataStart + lastEnd;
        }
        // writers may or may not pad after the last tensor; anything beyond that padding is hidden data
        long allowedEnd = pad(dataEnd, alignment);
        if (size > allowedEnd) {
            throw new FormatViolation("gguf.trailing_data", (size - dataEnd) + " bytes after the end of the tensor data"
                    + " (at most " + (allowedEnd - dataEnd) + " bytes of padding are expected)", dataEnd);
        }
        return new Layout((int) version, kvCount, alignment, dataStart, dataEnd, tensors, injections, split);
    }

    /** Element count × type size with overflow checks; the first dimension must be whole blocks. */
    static long byteSize(long[] dims, GgmlType type, long at, String loc) throws FormatViolation {
        long first = dims.length == 0 ? 1 : dims[0];
        if (first % type.blockSize() != 0) {
            throw new FormatViolation("gguf.block_size", loc + " first dimension " + first + " is not a multiple of "
                    + type.name() + "'s block size " + type.blockSize(), at, loc);
        }
        try {
            long rowBytes = Math.multiplyExact(first / type.blockSize(), (long) type.typeSize());
            long total = rowBytes;
            long elements = first;
            for (int d = 1; d < dims.length; d++) {
                total = Math.multiplyExact(total, dims[d]);
                elements = Math.multiplyExact(elements, dims[d]);
            }
            return total;
        } catch (ArithmeticException e) {
            throw new FormatViolation("gguf.size_overflow", loc + " dimensions " + java.util.Arrays.toString(dims)
                    + " of " + type.name() + " overflow a 64-bit size", at, loc);
        }
    }

    static long pad(long x, long alignment) throws FormatViolation {
        long r = x % alignment;
        if (r == 0) {
            return x;
        }
        if (x > Long.MAX_VALUE - (alignment - r)) {
            throw new FormatViolation("gguf.size_overflow", "offset " + x + " padded overflows", 0);
        }
        return x + alignment - r;
    }

    private static ValueType valueType(long code, long at, String loc) throws FormatViolation {
        ValueType t = ValueType.of(code);
        if (t == null) {
            throw new FormatViolation("gguf.unknown_value_type", "value type " + code + " is unknown", at, loc);
        }
        return t;
    }

    /** Reads (and drops) one value, checking its size and, for BOOL, that it is 0 or 1. */
    private static void value(InputCursor in, ValueType type, String loc) throws IOException, FormatViolation {
        switch (type) {
            case STRING -> {
                long len = in.u64();
                in.require(len, loc + " string of " + Long.toUnsignedString(len) + " bytes");
                in.skip(len);
            }
            case ARRAY -> {
                long at = in.position();
                ValueType et = valueType(in.u32(), at, loc);
                long count = in.u64();
                if (count < 0) {
                    throw new FormatViolation("gguf.truncated", loc + " array of " + Long.toUnsignedString(count)
                            + " elements runs past the end", at + 4, loc);
                }
                if (et == ValueType.ARRAY) {
                    // llama.cpp refuses nested arrays: a reader that accepted them would see other values than it
                    throw new FormatViolation("gguf.nested_array", loc + " is an array of arrays", at, loc);
                }
                if (count > in.remaining() / et.minSize()) {
                    throw new FormatViolation("gguf.truncated", loc + " array of " + count + " " + et
                            + " elements cannot fit the " + in.remaining() + " bytes that remain", at + 4, loc);
                }
                if (et == ValueType.STRING) {
                    for (long i = 0; i < count; i++) {
                        long len = in.u64();
                        in.require(len, loc + " element " + i + " string of " + Long.toUnsignedString(len) + " bytes");
                        in.skip(len);
                    }
                } else if (et == ValueType.BOOL) {
                    for (long i = 0; i < count; i++) {
                        bool(in, loc);
                    }
                } else {
                    in.skip(count * et.size);
                }
            }
            case BOOL -> bool(in, loc);
            default -> in.skip(type.size);
        }
    }

    /** A split.* value: integers read (signed types sign-extended), other types stepped over. */
    private static SplitKey splitKey(InputCursor in, ValueType type, String loc) throws IOException, FormatViolation {
        long v = switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> (byte) in.u8();
            case UINT16 -> in.u16();
            case INT16 -> (short) in.u16();
            case UINT32 -> in.u32();
            case INT32 -> (int) in.u32();
            case UINT64, INT64 -> in.u64();
            default -> {
                value(in, type, loc);
                yield 0;
            }
        };
        boolean integer = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
        return new SplitKey(type.name(), v, integer);
    }

    private static void bool(InputCursor in, String loc) throws IOException, FormatViolation {
        long at = in.position();
        int b = in.u8();
        if (b > 1) {
            throw new FormatViolation("gguf.bad_bool", loc + " BOOL value " + b + " is neither 0 nor 1", at, loc);
        }
    }

    private static String string(InputCursor in, int max, String rule, String what) throws IOException, FormatViolation {
        long at = in.position();
        long len = in.u64();
        in.require(len, what + " string of " + Long.toUnsignedString(len) + " bytes");
        if (len > max) {
            throw new FormatViolation(rule, what + " is " + len + " bytes, over the bound of " + max, at);
        }
        return utf8(in.take(len), "gguf.bad_string", at, what);
    }

    private static String utf8(byte[] b, String rule, long at, String what) throws FormatViolation {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatViolation(rule, what + " is not valid UTF-8", at);
        }
    }

    /** The chat-template rules' findings on one template (parsed as jinja2 3.x parses it). */
    public static List<Injection> scanTemplate(String key, String template) {
        List<Injection> out = new ArrayList<>();
        for (ChatTemplateRules.Finding f : ChatTemplateRules.judge(template)) {
            out.add(new Injection(key, f.check(), f.risk(), f.message(), f.evidence()));
        }
        return out;
    }

    static String printable(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Bytes.printable(b, 0, b.length, 120);
    }
}
