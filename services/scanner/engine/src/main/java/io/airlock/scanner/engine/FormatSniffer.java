package io.airlock.scanner.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Identifies an artifact by its content — never by its name. Reads a bounded head (64 KiB) and,
 * for zip archives, the central directory's member names (bounded), so that PyTorch archives,
 * NumPy .npz and Keras files are told apart from plain zips. Every length read from the input is
 * checked against what remains before it is used.
 */
public final class FormatSniffer {
    static final int HEAD = 64 * 1024;
    /** The zip end-of-central-directory record sits within the last 64 KiB + 22 bytes. */
    private static final int EOCD_SEARCH = 65_535 + 22;
    private static final int MAX_ZIP_NAMES = 10_000;
    private static final long MAX_SAFETENSORS_HEADER = 100L * 1024 * 1024;
    private static final byte[] TORCH_LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a,
            0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
    private static final Pattern PYTHON_LINE = Pattern.compile(
            "(?m)^\\s*(import\\s+\\w|from\\s+[\\w.]+\\s+import\\s|def\\s+\\w+\\s*\\(|class\\s+\\w+|@\\w|if\\s+__name__)");

    private FormatSniffer() {
    }

    public static Sniff sniff(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            byte[] head = read(ch, 0, (int) Math.min(HEAD, size));
            Sniff s = sniff(head, size);
            if (s.format() == Format.ZIP && size > head.length) {
                try {
                    return classifyZip(zipNames((off, len) -> read(ch, off, len), size), s);
                } catch (IOException e) {
                    return new Sniff(Format.ZIP, s.evidence() + "; central directory unreadable: " + e.getMessage());
                }
            }
            if (s.format() == Format.UNKNOWN && size > head.length && isOldPickleStart(head)) {
                byte[] tail = read(ch, size - 1, 1);
                if (tail.length == 1 && tail[0] == '.') {
                    return new Sniff(Format.PICKLE, "protocol 0/1 pickle opcodes at offset 0, STOP at end");
                }
            }
            return s;
        }
    }

    /**
     * Sniffs from the first bytes only. {@code totalSize} bounds length fields; when the head is
     * the whole file ({@code head.length == totalSize}) zip members and the last byte are known too.
     */
    public static Sniff sniff(byte[] head, long totalSize) {
        int n = head.length;
        if (n >= 8 && startsWith(head, "GGUF")) {
            long version = u32(head, 4);
            return new Sniff(Format.GGUF, "magic 'GGUF' v" + version + " at offset 0");
        }
        if (n >= 6 && (head[0] & 0xff) == 0x93 && startsWith(head, 1, "NUMPY")) {
            return new Sniff(Format.NUMPY, "magic '\\x93NUMPY' at offset 0");
        }
        if (n >= 8 && (head[0] & 0xff) == 0x89 && startsWith(head, 1, "HDF\r\n\u001a\n")) {
            return new Sniff(Format.HDF5, "HDF5 signature at offset 0");
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
            Sniff zip = new Sniff(Format.ZIP, "zip local header 'PK\\x03\\x04' at offset 0");
            if (n == totalSize) {
                try {
                    return classifyZip(zipNames((off, len) -> java.util.Arrays.copyOfRange(head, (int) off, (int) off + len), n), zip);
                } catch (IOException | RuntimeException e) {
                    return new Sniff(Format.ZIP, zip.evidence() + "; central directory unreadable: " + e.getMessage());
                }
            }
            return zip;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return new Sniff(Format.GZIP, "gzip magic 1f 8b at offset 0");
        }
        if (n >= 262 && startsWith(head, 257, "ustar")) {
            return new Sniff(Format.TAR, "'ustar' at offset 257");
        }
        if (n >= TORCH_LEGACY_MAGIC.length && startsWith(head, TORCH_LEGACY_MAGIC)) {
            return new Sniff(Format.PYTORCH_LEGACY, "pickled torch legacy magic number 0x1950a86a20f9469cfc6c");
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            if (indexOf(head, "joblib.numpy_pickle") >= 0 || indexOf(head, "NumpyArrayWrapper") >= 0) {
                return new Sniff(Format.JOBLIB, "pickle protocol " + head[1] + " naming joblib.numpy_pickle");
            }
            return new Sniff(Format.PICKLE, "pickle PROTO opcode 0x80 protocol " + head[1] + " at offset 0");
        }
        if (n >= 2 && (head[0] & 0xff) == 0x78 && ((head[0] & 0xff) * 256 + (head[1] & 0xff)) % 31 == 0) {
            // zlib-compressed pickles are how joblib stores compressed models
            return new Sniff(Format.JOBLIB, "zlib stream header 0x78 at offset 0 (joblib compression)");
        }
        Sniff st = safetensors(head, totalSize);
        if (st != null) {
            return st;
        }
        Sniff onnx = onnx(head, totalSize);
        if (onnx != null) {
            return onnx;
        }
        if (isOldPickleStart(head) && n == totalSize && n > 1 && head[n - 1] == '.') {
            return new Sniff(Format.PICKLE, "protocol 0/1 pickle opcodes at offset 0, STOP at end");
        }
        Sniff py = python(head);
        if (py != null) {
            return py;
        }
        return new Sniff(Format.UNKNOWN, n == 0 ? "empty file" : "no known signature in the first " + n + " bytes");
    }

    /** safetensors: u64 little-endian header length, then a JSON object of that length. */
    private static Sniff safetensors(byte[] head, long totalSize) {
        if (head.length < 9) {
            return null;
        }
        long len = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (len < 2 || len > MAX_SAFETENSORS_HEADER || len > totalSize - 8 || head[8] != '{') {
            return null;
        }
        return new Sniff(Format.SAFETENSORS, "u64 header length " + len + " followed by '{' at offset 8");
    }

    /**
     * ONNX: a protobuf ModelProto whose first field is ir_version (field 1, varint) with a plausible
     * value, and whose following top-level fields within the head are all ModelProto fields with
     * the right wire types and lengths inside the file.
     */
    private static Sniff onnx(byte[] head, long totalSize) {
        int p = 0;
        int n = head.length;
        if (n < 2 || head[0] != 0x08) {
            return null;
        }
        long[] v = varint(head, 1);
        if (v == null || v[0] < 1 || v[0] > 20) {
            return null;
        }
        long irVersion = v[0];
        p = (int) v[1];
        int fields = 1;
        boolean sawGraphOrOpset = false;
        while (p < n) {
            long[] tag = varint(head, p);
            if (tag == null) {
                break; // the head ends mid-tag: fine
            }
            int field = (int) (tag[0] >>> 3);
            int wire = (int) (tag[0] & 7);
            p = (int) tag[1];
            // ModelProto fields: 1 ir_version, 5 model_version (varints); 2-4, 6-8, 14, 20, 25 (length-delimited)
            if (field < 1 || !(field <= 8 || field == 14 || field == 20 || field == 25)) {
                return null;
            }
            boolean lengthDelimited = field != 1 && field != 5;
            if (lengthDelimited && wire != 2 || !lengthDelimited && wire != 0) {
                return null;
            }
            if (wire == 0) {
                long[] val = varint(head, p);
                if (val == null) {
                    break;
                }
                p = (int) val[1];
            } else {
                long[] len = varint(head, p);
                if (len == null) {
                    break;
                }
                if (len[0] < 0 || len[1] + len[0] > totalSize) {
                    return null; // a length that runs past the end of the file
                }
                if (field == 7 || field == 8) {
                    sawGraphOrOpset = true;
                }
                long next = len[1] + len[0];
                if (next > n) {
                    break; // continues beyond the head, within the file
                }
                p = (int) next;
            }
            fields++;
        }
        if (fields < 2 && !sawGraphOrOpset) {
            return null;
        }
        return new Sniff(Format.ONNX, "protobuf ModelProto: ir_version " + irVersion + ", " + fields
                + " well-formed top-level fields in the first " + Math.min(n, p) + " bytes");
    }

    private static Sniff python(byte[] head) {
        if (head.length == 0) {
            return null;
        }
        String text;
        try {
            // a head may cut a multi-byte character: decode what is complete
            int end = head.length;
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(head, 0, completeUtf8(head, end))).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
                return null;
            }
        }
        var m = PYTHON_LINE.matcher(text);
        if (!m.find()) {
            return null;
        }
        int line = 1 + (int) text.substring(0, m.start()).chars().filter(ch -> ch == '\n').count();
        return new Sniff(Format.PYTHON_SOURCE, "UTF-8 text with a Python statement at line " + line + ": '"
                + m.group().strip() + "'");
    }

    private static int completeUtf8(byte[] b, int end) {
        // step back over a trailing, incomplete multi-byte sequence (at most 3 bytes)
        for (int k = 1; k <= 3 && end - k >= 0; k++) {
            int c = b[end - k] & 0xff;
            if ((c & 0xc0) == 0x80) {
                continue;
            }
            int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            return need > k ? end - k : end;
        }
        return end;
    }

    private static boolean isOldPickleStart(byte[] head) {
        return head.length > 0 && (head[0] == '(' || head[0] == 'c' || head[0] == ']' || head[0] == '}');
    }

    private static Sniff classifyZip(List<String> names, Sniff zip) {
        boolean pkl = false;
        boolean allNpy = !names.isEmpty();
        boolean kerasConfig = false;
        boolean kerasWeights = false;
        for (String name : names) {
            String base = name.substring(name.lastIndexOf('/') + 1);
            if (base.equals("data.pkl") || name.endsWith(".pkl")) {
                pkl = true;
            }
            if (!name.endsWith(".npy")) {
                allNpy = false;
            }
            if (name.equals("config.json")) {
                kerasConfig = true;
            }
            if (name.equals("model.weights.h5") || name.equals("metadata.json")) {
                kerasWeights = true;
            }
        }
        String members = names.size() + " members";
        if (pkl) {
            return new Sniff(Format.PYTORCH_ZIP, "zip with a pickle member (data.pkl), " + members);
        }
        if (allNpy) {
            return new Sniff(Format.NUMPY_ZIP, "zip of .npy members only, " + members);
        }
        if (kerasConfig && kerasWeights) {
            return new Sniff(Format.KERAS, "zip with config.json and Keras weights/metadata, " + members);
        }
        return new Sniff(Format.ZIP, zip.evidence() + ", " + members);
    }

    /** Member names from the central directory, found through the end-of-central-directory record. */
    static List<String> zipNames(Reader ch, long size) throws IOException {
        int tailLen = (int) Math.min(size, EOCD_SEARCH);
        byte[] tail = ch.read(size - tailLen, tailLen);
        int eocd = -1;
        for (int i = tail.length - 22; i >= 0; i--) {
            if (tail[i] == 'P' && tail[i + 1] == 'K' && tail[i + 2] == 5 && tail[i + 3] == 6) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IOException("no end-of-central-directory record");
        }
        long cdSize = u32(tail, eocd + 12);
        long cdOffset = u32(tail, eocd + 16);
        if (cdOffset + cdSize > size || cdSize > 64L * 1024 * 1024) {
            throw new IOException("central directory outside the file or too large");
        }
        byte[] cd = ch.read(cdOffset, (int) cdSize);
        List<String> names = new ArrayList<>();
        int p = 0;
        while (p + 46 <= cd.length && names.size() < MAX_ZIP_NAMES) {
            if (!(cd[p] == 'P' && cd[p + 1] == 'K' && cd[p + 2] == 1 && cd[p + 3] == 2)) {
                throw new IOException("bad central directory entry at offset " + (cdOffset + p));
            }
            int nameLen = u16(cd, p + 28);
            int extraLen = u16(cd, p + 30);
            int commentLen = u16(cd, p + 32);
            if (p + 46L + nameLen + extraLen + commentLen > cd.length) {
                throw new IOException("central directory entry runs past the directory");
            }
            names.add(new String(cd, p + 46, nameLen, StandardCharsets.UTF_8));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return names;
    }

    /** Random access to the artifact's bytes; callers bound {@code len}. */
    @FunctionalInterface
    interface Reader {
        byte[] read(long offset, int len) throws IOException;
    }

    static byte[] read(FileChannel ch, long offset, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len);
        while (buf.hasRemaining()) {
            int r = ch.read(buf, offset + buf.position());
            if (r < 0) {
                break;
            }
        }
        byte[] out = new byte[buf.position()];
        buf.flip();
        buf.get(out);
        return out;
    }

    /** Returns {value, nextOffset} or null when the varint is cut off or longer than 10 bytes. */
    private static long[] varint(byte[] b, int p) {
        long v = 0;
        for (int i = 0; i < 10; i++) {
            if (p + i >= b.length) {
                return null;
            }
            int c = b[p + i] & 0xff;
            v |= (long) (c & 0x7f) << (7 * i);
            if ((c & 0x80) == 0) {
                return new long[]{v, p + i + 1};
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] b, String s) {
        return startsWith(b, 0, s);
    }

    private static boolean startsWith(byte[] b, int off, String s) {
        byte[] t = s.getBytes(StandardCharsets.ISO_8859_1);
        if (off + t.length > b.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            if (b[off + i] != t[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, String s) {
        byte[] t = s.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + t.length <= b.length; i++) {
            for (int j = 0; j < t.length; j++) {
                if (b[i + j] != t[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static long u32(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }

    static int u16(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
    }
}
