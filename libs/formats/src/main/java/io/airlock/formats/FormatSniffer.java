package io.airlock.formats;

import io.airlock.formats.ByteSource;
import io.airlock.formats.Bytes;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxModelHeader;
import io.airlock.formats.PickleOps;
import io.airlock.formats.PythonText;
import io.airlock.formats.ZipDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Decides an artifact's {@link Format} by its content, never by its name.
 *
 * <p>Reads a bounded head (64 KiB by default) and, for a zip, the central directory's member
 * names (the index zip readers trust) to tell PyTorch, NumPy, Keras and plain archives apart; for
 * ONNX, the ModelProto's top-level fields, stepping over the graph by its length. Nothing else of
 * the file is read, so a sniff costs the same for a 1 KiB and a 100 GiB artifact.
 *
 * <p>Order matters for polyglots: signatures at offset 0 win, a pickle opcode stream wins over
 * text (a protocol-0 pickle is valid ASCII), and a zip found only by its tail end record comes
 * last. Bytes that match nothing are {@link Format#UNKNOWN}, with what was seen as evidence.
 */
public final class FormatSniffer {
    private static final byte[] GGUF = "GGUF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZIP_LOCAL = {'P', 'K', 3, 4};
    private static final byte[] ZIP_EMPTY = {'P', 'K', 5, 6};
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final byte[] NUMPY = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final byte[] USTAR = "ustar".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEVEN_ZIP = {'7', 'z', (byte) 0xbc, (byte) 0xaf, 0x27, 0x1c};
    /** torch.save's legacy magic number 0x1950a86a20f9469cfc6c as the first pickle: PROTO 2, LONG1 10 bytes, STOP. */
    private static final byte[] TORCH_LEGACY = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c,
            0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e};
    private static final List<byte[]> JOBLIB_MARKERS = List.of(
            "joblib.numpy_pickle".getBytes(StandardCharsets.US_ASCII),
            "NumpyArrayWrapper".getBytes(StandardCharsets.US_ASCII));
    /** The safetensors reference loader refuses headers over 100 MB. */
    static final long SAFETENSORS_MAX_HEADER = 100L * 1000 * 1000;
    private static final int PICKLE_WALK_OPS = 100_000;

    private FormatSniffer() {
    }

    /**
     * joblib.dump(compress=zlib or an int level) writes one raw zlib stream (header 0x78) around the
     * pickle: joblib's loader is the only one that reads it. JOBLIB when the head's first inflated bytes
     * are a pickle's PROTO; null otherwise (a text file can start with a valid zlib header).
     */
    private static Sniff zlibPickle(byte[] head) {
        if (head.length < 3 || (head[0] & 0xff) != 0x78 || ((head[0] & 0xff) << 8 | head[1] & 0xff) % 31 != 0) {
            return null;
        }
        java.util.zip.Inflater inf = new java.util.zip.Inflater();
        try {
            inf.setInput(head);
            byte[] first = new byte[2];
            int n = inf.inflate(first);
            if (n == 2 && (first[0] & 0xff) == 0x80 && (first[1] & 0xff) <= 5) {
                return new Sniff(Format.JOBLIB, "zlib stream (header 0x78" + String.format("%02x", head[1] & 0xff)
                        + ", joblib.dump compress) whose content starts with pickle PROTO " + (first[1] & 0xff));
            }
            return null;
        } catch (java.util.zip.DataFormatException e) {
            return null;
        } finally {
            inf.end();
        }
    }

    /** Sniffs a file with the default budgets. */
    public static Sniff sniff(Path file) throws IOException {
        return sniff(file, SniffLimits.defaults());
    }

    /** Sniffs a file within the given budgets. */
    public static Sniff sniff(Path file, SniffLimits limits) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return sniff(ByteSource.of(ch), limits);
        }
    }

    /**
     * Sniffs from the first bytes of an artifact of {@code totalSize} bytes. When {@code head} is
     * the whole artifact this is as good as sniffing the file; otherwise zip members come from the
     * local headers inside the head, which the evidence says.
     */
    public static Sniff sniff(byte[] head, long totalSize) {
        try {
            return sniff(ByteSource.head(head, totalSize), SniffLimits.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory read failed", e); // cannot happen: no I/O behind a byte[]
        }
    }

    /** Sniffs any byte source within the given budgets. */
    public static Sniff sniff(ByteSource src, SniffLimits limits) throws IOException {
        long size = src.size();
        byte[] head = ByteSource.headOf(src, limits.headBytes());
        boolean whole = src.readable() == size;
        if (size == 0) {
            return new Sniff(Format.UNKNOWN, "empty file");
        }
        if (Bytes.startsWith(head, 0, GGUF)) {
            String v = head.length >= 8 ? "v" + Bytes.u32le(head, 4) : "(version cut off)";
            return polyglot(src, new Sniff(Format.GGUF, "magic 'GGUF' " + v + " at offset 0"));
        }
        if (Bytes.startsWith(head, 0, ZIP_LOCAL) || Bytes.startsWith(head, 0, ZIP_EMPTY)) {
            return zip(src, head, limits, true);
        }
        if (Bytes.startsWith(head, 0, SEVEN_ZIP)) {
            String v = head.length >= 8 ? " v" + (head[6] & 0xff) + "." + (head[7] & 0xff) : "";
            return new Sniff(Format.SEVEN_ZIP, "7z signature" + v + " at offset 0");
        }
        if (head.length >= 3 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return new Sniff(Format.GZIP, "gzip magic 1f8b at offset 0, method " + (head[2] & 0xff));
        }
        for (int at = 0; at + HDF5.length <= head.length; at = at == 0 ? 512 : at * 2) {
            if (Bytes.startsWith(head, at, HDF5)) {
                return new Sniff(Format.HDF5, "HDF5 superblock signature at offset " + at);
            }
        }
        if (Bytes.startsWith(head, 0, NUMPY)) {
            String v = head.length >= 8 ? " v" + (head[6] & 0xff) + "." + (head[7] & 0xff) : "";
            return new Sniff(Format.NUMPY, "magic '\\x93NUMPY'" + v + " at offset 0");
        }
        if (isTar(head)) {
            return new Sniff(Format.TAR, "ustar magic at offset 257, header checksum valid");
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && (head[1] & 0xff) <= 5) {
            return polyglot(src, pickleFamily(head, size));
        }
        Sniff zlib = zlibPickle(head);
        if (zlib != null) {
            return polyglot(src, zlib);
        }
        Sniff st = safetensors(head, size);
        if (st != null) {
            return polyglot(src, st);
        }
        String notOnnx = "";
        if (head.length > 0 && head[0] == 0x08) {
            try {
                OnnxModelHeader h = OnnxModelHeader.read(whole ? src : ByteSource.head(head, size),
                        limits.maxProtoFields());
                if (h.graphOffset() >= 0) {
                    return polyglot(src, new Sniff(Format.ONNX, onnxEvidence(h)));
                }
                notOnnx = "; protobuf-like, but no graph within the first " + head.length + " bytes";
            } catch (MalformedException e) {
                notOnnx = "; starts like an ONNX ModelProto but " + e.getMessage();
            }
        }
        PickleOps.Walk walk = PickleOps.walk(head, 0, size, PICKLE_WALK_OPS);
        if (walk.outcome() == PickleOps.Outcome.COMPLETE
                || walk.outcome() == PickleOps.Outcome.RAN_OUT && walk.opcodes() >= 16) {
            return pickleLike(head, "pickle opcode stream without PROTO (protocol 0/1): " + walk.detail());
        }
        if (walk.outcome() == PickleOps.Outcome.INVALID && walk.calls() > 0) {
            // an unpickler runs every call before the error that stops it: a broken tail hides nothing
            return pickleLike(head, "pickle opcode stream with " + walk.calls() + " call(s) before it breaks: "
                    + walk.detail());
        }
        PythonText.Verdict text = PythonText.judge(head, whole || head.length == size);
        if (text.python()) {
            return new Sniff(Format.PYTHON_SOURCE, text.evidence());
        }
        if (text.text()) {
            String native_ = nativeSource(head);
            if (native_ != null) {
                return new Sniff(Format.NATIVE_SOURCE, native_);
            }
        }
        if (whole && ZipDirectory.hasEndRecord(src)) {
            Sniff z = zip(src, head, limits, false);
            if (z != null) {
                return z;
            }
        }
        if (text.text()) {
            Sniff t = chatTemplate(new String(head, StandardCharsets.UTF_8));
            if (t != null) {
                return t;
            }
        }
        String seen = text.text() ? text.evidence()
                : "no known signature; first bytes " + Bytes.hex(head, 0, 16);
        return new Sniff(Format.UNKNOWN, seen + notOnnx);
    }

    /**
     * Jinja text (a template tag, expression or comment), or JSON whose head names a chat_template
     * (tokenizer_config.json, chat_template.json); null for other text. JSON is told from a template
     * that starts with '{' by the template's own openings.
     */
    private static Sniff chatTemplate(String text) {
        if (jsonLike(text)) {
            return text.contains("\"chat_template\"") ? new Sniff(Format.CHAT_TEMPLATE,
                    "JSON object naming a chat_template (tokenizer_config.json or chat_template.json)") : null;
        }
        return text.contains("{%") || text.contains("{{") ? new Sniff(Format.CHAT_TEMPLATE,
                "text with Jinja tags ('{%' or '{{'): a chat template") : null;
    }

    /** Text that starts, past blanks and a BOM, as a JSON object or array and not as a Jinja tag. */
    public static boolean jsonLike(String text) {
        String s = text.replace("\uFEFF", "").stripLeading();
        return (s.startsWith("{") || s.startsWith("[")) && !s.startsWith("{%") && !s.startsWith("{{") && !s.startsWith("{#");
    }

    private static Sniff pickleFamily(byte[] head, long size) {
        if (Bytes.startsWith(head, 0, TORCH_LEGACY)) {
            return new Sniff(Format.PYTORCH_LEGACY, "torch legacy magic number pickle (PROTO 2, LONG1 0x1950a86a20f9469cfc6c) at offset 0");
        }
        PickleOps.Walk w = PickleOps.walk(head, 0, size, PICKLE_WALK_OPS);
        return pickleLike(head, "pickle PROTO " + (head[1] & 0xff) + " at offset 0; " + w.detail());
    }

    private static Sniff pickleLike(byte[] head, String evidence) {
        for (byte[] marker : JOBLIB_MARKERS) {
            int at = Bytes.indexOf(head, marker);
            if (at >= 0) {
                return new Sniff(Format.JOBLIB, evidence + "; '" + new String(marker, StandardCharsets.US_ASCII)
                        + "' at offset " + at);
            }
        }
        return new Sniff(Format.PICKLE, evidence);
    }

    /** A u64 header length that fits the file, followed by a JSON object. Full validation is the static scan's. */
    private static Sniff safetensors(byte[] head, long size) {
        if (head.length < 9 || size < 10) {
            return null;
        }
        long n = Bytes.u64le(head, 0);
        if (n < 2 || n > SAFETENSORS_MAX_HEADER || n > size - 8 || head[8] != '{') {
            return null;
        }
        return new Sniff(Format.SAFETENSORS, "u64 header length " + n + " within the file, JSON '{' at offset 8");
    }

    private static String onnxEvidence(OnnxModelHeader h) {
        StringBuilder sb = new StringBuilder("protobuf ModelProto: ir_version ").append(h.irVersion());
        if (!h.opsetImports().isEmpty()) {
            sb.append(", opset_import ");
            h.opsetImports().forEach((d, v) -> sb.append(d.isEmpty() ? "ai.onnx" : d).append(" v").append(v).append(' '));
            sb.setLength(sb.length() - 1);
        }
        sb.append(", graph of ").append(h.graphLength()).append(" bytes at offset ").append(h.graphOffset());
        if (!h.producerName().isEmpty()) {
            sb.append(", producer '").append(h.producerName()).append('\'');
        }
        return sb.toString();
    }

    private static boolean isTar(byte[] h) {
        if (h.length < 512 || !Bytes.startsWith(h, 257, USTAR)) {
            return false;
        }
        long stored = 0;
        boolean digits = false;
        for (int i = 148; i < 156; i++) {
            int c = h[i] & 0xff;
            if (c >= '0' && c <= '7') {
                stored = stored * 8 + (c - '0');
                digits = true;
            } else if (c != ' ' && c != 0) {
                return false;
            }
        }
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        return digits && sum == stored;
    }

    /**
     * A zip found by its local header at offset 0 ({@code atStart}) or only by its end record.
     * Returns null when a zip found only by its end record has an unreadable directory.
     */
    private static Sniff zip(ByteSource src, byte[] head, SniffLimits limits, boolean atStart) throws IOException {
        boolean whole = src.readable() == src.size();
        ZipDirectory.Listing listing;
        try {
            listing = whole
                    ? ZipDirectory.read(src, limits.maxDirectoryBytes(), limits.maxZipEntries())
                    : ZipDirectory.readLocal(ByteSource.head(head, src.size()), limits.maxZipEntries());
        } catch (MalformedException e) {
            if (!atStart) {
                return null;
            }
            return new Sniff(Format.ZIP, "zip local header at offset 0, but " + (whole ? "central directory" : "local headers")
                    + " unreadable: " + e.getMessage());
        }
        Classified c = classify(listing.names());
        StringBuilder sb = new StringBuilder("zip: ");
        if (listing.fromCentral()) {
            sb.append(listing.declaredEntries()).append(" members in the central directory at offset ")
                    .append(listing.centralOffset());
            if (listing.zip64()) {
                sb.append(" (zip64)");
            }
        } else {
            sb.append(listing.names().size()).append(" members from local headers in the first ")
                    .append(head.length).append(" bytes");
        }
        if (listing.truncated()) {
            sb.append(", names read: ").append(listing.names().size());
        }
        sb.append("; ").append(c.reason());
        if (listing.prefixBytes() > 0 || !atStart) {
            sb.append("; ").append(listing.prefixBytes()).append(" bytes of other data before the first entry");
        }
        if (listing.endRecords() > 1) {
            sb.append("; ").append(listing.endRecords()).append(" end-of-central-directory signatures in the tail");
        }
        return new Sniff(c.format(), sb.toString());
    }

    private record Classified(Format format, String reason) {
    }

    private static Classified classify(List<String> names) {
        for (String n : names) {
            String base = n.substring(n.lastIndexOf('/') + 1);
            if (base.equals("data.pkl") || base.equals("constants.pkl")) {
                return new Classified(Format.PYTORCH_ZIP, "member '" + printable(n) + "' marks a PyTorch archive");
            }
        }
        if (isModelPackage(names)) {
            return new Classified(Format.MODEL_PACKAGE,
                    "model.onnx, tokenizer.json and airlock-model.json together mark an Airlock model package");
        }
        if (names.contains("config.json") && (names.contains("metadata.json") || names.contains("model.weights.h5"))) {
            return new Classified(Format.KERAS, "top-level config.json with metadata.json or model.weights.h5 marks a Keras archive");
        }
        if (names.contains("config.json") && names.stream().allMatch(FormatSniffer::kerasMember)) {
            // Keras deserializes config.json before it reads anything else: the archive is Keras without the rest
            return new Classified(Format.KERAS, "top-level config.json with only Keras archive members beside it"
                    + " (metadata.json, model.weights.h5/.npz, assets/) marks a Keras archive");
        }
        if (!names.isEmpty() && names.stream().allMatch(n -> n.endsWith(".npy"))) {
            return new Classified(Format.NUMPY_ZIP, "every member is a .npy array");
        }
        return new Classified(Format.ZIP, names.isEmpty() ? "no members" : "no PyTorch, NumPy or Keras layout");
    }

    /** A name Keras 3's saving_lib writes into a .keras archive. */
    private static boolean kerasMember(String n) {
        return n.equals("config.json") || n.equals("metadata.json") || n.equals("model.weights.h5")
                || n.equals("model.weights.npz") || n.startsWith("assets/");
    }

    /** The three package files at the root, or all under one top-level folder. */
    static boolean isModelPackage(List<String> names) {
        for (String prefix : packagePrefixes(names)) {
            if (names.contains(prefix + "model.onnx") && names.contains(prefix + "tokenizer.json")
                    && names.contains(prefix + "airlock-model.json")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> packagePrefixes(List<String> names) {
        List<String> prefixes = new java.util.ArrayList<>();
        prefixes.add("");
        for (String n : names) {
            int slash = n.indexOf('/');
            if (slash > 0 && slash == n.lastIndexOf('/') && n.endsWith("/airlock-model.json")) {
                prefixes.add(n.substring(0, slash + 1));
            }
        }
        return prefixes;
    }

    private static String printable(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Bytes.printable(b, 0, b.length, 120);
    }

    /** C, C++ and CUDA markers a kernel source starts with or defines kernels by. */
    private static final java.util.regex.Pattern NATIVE_MARKERS = java.util.regex.Pattern.compile(
            "(?m)^\\s*#\\s*(include\\s*[<\"]|pragma\\s+once|define\\s+\\w)|\\b__global__\\s+void\\b|^\\s*extern\\s+\"C\"");

    /** Evidence that a text head is C, C++ or CUDA source, or null. */
    private static String nativeSource(byte[] head) {
        String s = new String(head, StandardCharsets.UTF_8);
        java.util.regex.Matcher m = NATIVE_MARKERS.matcher(s);
        if (!m.find()) {
            return null;
        }
        int line = 1;
        for (int i = 0; i < m.start(); i++) {
            line += s.charAt(i) == '\n' ? 1 : 0;
        }
        return "C/C++/CUDA source: '" + m.group().strip() + "' at line " + line;
    }

    /** Notes a zip end record at the tail of a file that starts as something else. */
    private static Sniff polyglot(ByteSource src, Sniff s) throws IOException {
        if (src.readable() == src.size() && ZipDirectory.hasEndRecord(src)) {
            return new Sniff(s.format(), s.evidence() + "; the tail also holds a zip end-of-central-directory record");
        }
        return s;
    }
}
