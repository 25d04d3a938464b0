package io.airlock.scanner.engine.analysis;

import io.airlock.formats.MalformedException;

import io.airlock.formats.StrictJson;

import io.airlock.formats.GzipBody;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.formats.Sniff;
import io.airlock.formats.ByteSource;
import io.airlock.formats.InputCursor;
import io.airlock.formats.ZipArchive;
import io.airlock.formats.ZipDirectory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.zip.ZipException;

/**
 * The static scan of one artifact: pickle analysis of pickle content wherever it is (a pickle
 * file, a legacy torch file, a joblib dump, every member of a zip archive whose content is a
 * pickle whatever its name, a gzip body, an object array inside a .npy), and the archive rules of
 * every zip (see {@link ArchiveScanner}). A zip hidden behind another format's bytes (a polyglot)
 * is scanned as well. A Keras {@code .h5} file (HDF5), alone or an archive member up to the nested
 * bound, is searched byte by byte for its model config, which gets the Keras config rules (see
 * {@link KerasConfig}: the HDF5 structure itself is not parsed).
 *
 * <p>Formats with nothing of this kind to analyse (GGUF, safetensors, ONNX, ...) are reported as
 * not applicable, never as clean: their structure is the format gate's strict validators' job.
 */
public final class StaticScan {
    /** The stage id its findings carry (the engine reports the stage under it). */
    public static final String STAGE = "static_scan";

    /**
     * The outcome.
     *
     * @param applicable false when no analysis applies to the format (the stage is then SKIPPED)
     * @param findings   what was found
     * @param details    what ran: streams, members, opcodes, ...
     * @param reason     why not applicable, "" otherwise
     */
    public record Outcome(boolean applicable, List<Finding> findings, Map<String, String> details, String reason) {
        public Outcome {
            findings = List.copyOf(findings);
            details = Map.copyOf(details);
        }
    }

    static final int HEAD = 64 * 1024;
    private static final Pattern NPY_OBJECT = Pattern.compile("['\"]\\s*[|<>=]?O\\d*\\s*['\"]");

    private final ImportTiers tiers;
    private final StaticScanPolicy policy;
    private final PickleAnalyzer pickles;

    public StaticScan(ImportTiers tiers, StaticScanPolicy policy) {
        this.tiers = Objects.requireNonNull(tiers, "tiers");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.pickles = new PickleAnalyzer(tiers, policy);
    }

    /** Shared state of one scan: findings and counters. */
    final class Run {
        final Findings out = new Findings(STAGE, policy.maxFindingsPerRule());
        final Map<String, Long> counters = new LinkedHashMap<>();
        final Map<String, String> notes = new LinkedHashMap<>();
        long archiveBytes;

        void count(String key, long n) {
            counters.merge(key, n, Long::sum);
        }
    }

    /**
     * A chat template sent alone: Jinja text, or a tokenizer_config.json whose chat_template holds
     * it; judged by the rules templates get in a model folder (FolderScan).
     */
    private void chatTemplate(Run run, ByteSource src) throws IOException {
        if (src.size() > FolderScan.MAX_CONFIG_BYTES) {
            run.out.add("folder.config_too_large", Severity.HIGH, "file", "a chat template of " + src.size()
                    + " bytes, over the bound of " + FolderScan.MAX_CONFIG_BYTES + ": not inspected, so not vouched for", "");
            return;
        }
        byte[] b = ByteSource.headOf(src, (int) src.size());
        String text = new String(b, java.nio.charset.StandardCharsets.UTF_8);
        if (FormatSniffer.jsonLike(text)) {
            try {
                run.count("chatTemplates", FolderScan.chatTemplates(run.out, "file", StrictJson.parse(b)));
            } catch (MalformedException e) {
                // a loader reading JSON more loosely (Python keeps the last duplicate key) could see another template
                run.out.add("folder.malformed_json", Severity.HIGH, "file", "not strict JSON: " + e.getMessage(), "");
            }
        } else {
            run.count("chatTemplates", 1);
            FolderScan.templates(run.out, "file", "template", text);
        }
    }

    /** Scans an artifact whose format the format gate decided. */
    public Outcome scan(ByteSource src, Format format) throws IOException {
        return scan(src, format, GzipBody.NONE);
    }

    /** As {@link #scan(ByteSource, Format)}, reading a gzip artifact's body from {@code body} when it was kept. */
    public Outcome scan(ByteSource src, Format format, GzipBody body) throws IOException {
        Run run = new Run();
        boolean applicable = true;
        switch (format) {
            case PICKLE -> pickle(run, src, "", PickleAnalyzer.Mode.PLAIN);
            case JOBLIB -> joblib(run, src);
            case PYTORCH_LEGACY -> pickle(run, src, "", PickleAnalyzer.Mode.TORCH_LEGACY);
            case PYTORCH_ZIP, NUMPY_ZIP, KERAS, MODEL_PACKAGE, ZIP -> new ArchiveScanner(this, run).scan(src, "", format, 1);
            case GZIP -> gzip(run, src, body);
            case NUMPY -> npy(run, InputCursor.stream(src, 0, src.size()), src.size(), "");
            case HDF5 -> hdf5(run, src, "", true);
            case TAR -> new TarScanner(this, run).scan(InputCursor.stream(src, 0, src.size()), "", 1);
            case SEVEN_ZIP -> new SevenZScanner(this, run).scan(src, "", 1);
            case CHAT_TEMPLATE -> chatTemplate(run, src);
            case MODEL_FOLDER -> {
                switch (FolderScan.container(src)) {
                    case ZIP -> new ArchiveScanner(this, run).scan(src, "", Format.ZIP, 1);
                    case GZIP_TAR -> gzip(run, src, body);
                    case TAR -> new TarScanner(this, run).scan(InputCursor.stream(src, 0, src.size()), "", 1);
                }
            }
            default -> applicable = false;
        }
        boolean zipUnderneath = format.zipBased() || format == Format.MODEL_FOLDER && FolderScan.container(src) == FolderScan.Container.ZIP;
        // a zip glued behind other content: zip readers find it by its tail, so it is scanned too
        if (!zipUnderneath && format != Format.GGUF && format != Format.SAFETENSORS && ZipDirectory.hasEndRecord(src)) {
            run.count("polyglotZip", 1);
            new ArchiveScanner(this, run).scan(src, "", Format.ZIP, 1);
            applicable = true;
        }
        Map<String, String> details = new LinkedHashMap<>();
        run.counters.forEach((k, v) -> details.put(k, Long.toString(v)));
        details.putAll(run.notes);
        details.put("importTable", tiers.size() + " entries");
        if (!applicable) {
            return new Outcome(false, List.of(), details, "no static analysis applies to " + format.id()
                    + " in this engine version (its structure is checked by format_gate; GGUF and safetensors weights are "
                    + "analysed only in a file whose layout the format gate validated)");
        }
        return new Outcome(true, run.out.list(), details, "");
    }

    /** Pickle analysis over a whole source. */
    void pickle(Run run, ByteSource src, String where, PickleAnalyzer.Mode mode) throws IOException {
        InputCursor in = InputCursor.of(src, 0, src.size(), "pickle.malformed");
        PickleAnalyzer.Summary s = pickles.analyze(in, () -> InputCursor.stream(src, 0, src.size()), where, mode, run.out);
        tally(run, s);
    }

    /**
     * A joblib dump: a plain pickle, or one zlib stream around it (compress=zlib or a level), inflated
     * as a stream within the same ratio and size bound as a gzip body. (gzip-compressed dumps are
     * gzip artifacts; bz2, lzma, xz and lz4 dumps are not recognised: format.unknown.)
     */
    private void joblib(Run run, ByteSource src) throws IOException {
        byte[] first = ByteSource.headOf(src, 1);
        if (first.length == 0 || (first[0] & 0xff) != 0x78) {
            pickle(run, src, "", PickleAnalyzer.Mode.PLAIN);
            return;
        }
        zlibJoblib(run, InputCursor.stream(src, 0, src.size()), src.size(), "");
    }

    /** A zlib-compressed joblib dump (alone or an archive member), inflated within the gzip bound and analysed. */
    private PickleAnalyzer.Summary zlibJoblib(Run run, InputStream compressed, long compressedLength, String where)
            throws IOException {
        String inner = where.isEmpty() ? "zlib body" : where + " > zlib body";
        run.count("zlibStreams", 1);
        long max = GzipBody.bound(compressedLength, policy.zip());
        java.util.zip.Inflater inflater = new java.util.zip.Inflater();
        PickleAnalyzer.Summary sum = null;
        try {
            Bounded body = new Bounded(new java.util.zip.InflaterInputStream(compressed, inflater, 64 * 1024), max);
            try {
                sum = pickle(run, body, -1, inner, PickleAnalyzer.Mode.PLAIN);
                body.drain();
            } catch (ZipException | EOFException e) {
                run.out.add("joblib.malformed", Severity.HIGH, inner, "zlib data is malformed or truncated: "
                        + e.getMessage(), "");
            }
            if (body.exceeded) {
                run.out.add("joblib.compression_ratio", Severity.HIGH, inner, "zlib body inflates past " + max
                        + " bytes; the rest was not scanned", "");
            }
        } finally {
            inflater.end();
        }
        return sum;
    }

    /** Pickle analysis over a stream of known (or unknown: -1) length. */
    PickleAnalyzer.Summary pickle(Run run, InputStream stream, long length, String where, PickleAnalyzer.Mode mode)
            throws IOException {
        return pickle(run, stream, null, length, where, mode);
    }

    /** As above; {@code reopen} gives the same bytes again for a second reading of a lying FRAME (null: none). */
    PickleAnalyzer.Summary pickle(Run run, InputStream stream, PickleAnalyzer.Reopen reopen, long length, String where,
                                  PickleAnalyzer.Mode mode) throws IOException {
        InputCursor in = new InputCursor(stream, 0, length, "pickle.malformed");
        PickleAnalyzer.Summary s = pickles.analyze(in, reopen, where, mode, run.out);
        tally(run, s);
        return s;
    }

    private static void tally(Run run, PickleAnalyzer.Summary s) {
        run.count("pickleStreams", s.streams());
        run.count("pickleOpcodes", s.opcodes());
        run.count("pickleImports", s.imports());
    }

    /**
     * Looks at one nested stream (an archive member, a gzip body) by its content: its head is
     * sniffed and, when it is pickle, gzip, a zip or a .npy, it is analysed as such. Returns the
     * format the content was sniffed as; the stream is left unread past what was needed.
     */
    /** What {@link #nested} saw: the content's format and, when it was analysed as pickle, the summary (else null). */
    record Looked(Format format, PickleAnalyzer.Summary pickle) {
    }

    Looked nested(Run run, InputStream stream, long length, String where, int depth, boolean pickleByName,
                  PickleAnalyzer.Mode pickleMode) throws IOException {
        return nested(run, stream, null, length, where, depth, pickleByName, pickleMode);
    }

    /** As above; {@code reopen} (null: none) gives the member's bytes again, for a second reading of a pickle. */
    Looked nested(Run run, InputStream stream, PickleAnalyzer.Reopen reopen, long length, String where, int depth,
                  boolean pickleByName, PickleAnalyzer.Mode pickleMode) throws IOException {
        byte[] head = readHead(stream, HEAD);
        long total = length >= 0 ? length : head.length < HEAD ? head.length : Long.MAX_VALUE / 2;
        Sniff sniff = FormatSniffer.sniff(head, Math.max(total, head.length));
        Format f = sniff.format();
        InputStream whole = new SequenceInputStream(new ByteArrayInputStream(head), stream);
        if (f == Format.JOBLIB && (head[0] & 0xff) == 0x78) {
            return new Looked(f, zlibJoblib(run, whole, length, where));
        }
        // a PyTorch zip is pickle-based but a zip: its data.pkl is analysed inside it, under the torch rules
        if (f.pickleBased() && !f.zipBased() || pickleByName && head.length > 0 && !f.zipBased()) {
            PickleAnalyzer.Summary sum = pickle(run, whole, reopen, length, where,
                    f == Format.PYTORCH_LEGACY ? PickleAnalyzer.Mode.TORCH_LEGACY : pickleMode);
            return new Looked(f.pickleBased() ? f : Format.PICKLE, sum);
        }
        if (f == Format.GZIP || f.zipBased() || f == Format.NUMPY || f == Format.TAR || f == Format.SEVEN_ZIP) {
            if (depth >= policy.maxDepth()) {
                run.out.add("zip.nesting_depth", Severity.HIGH, where, f.id() + " nested " + depth
                        + " levels deep, over the bound of " + policy.maxDepth() + "; its content was not scanned", sniff.evidence());
                return new Looked(f, null);
            }
        }
        if (f == Format.GZIP) {
            gzip(run, whole, length, where, depth + 1);
        } else if (f == Format.TAR) {
            // streamed: a tar is read front to back, whatever its size
            new TarScanner(this, run).scan(whole, where, depth + 1);
        } else if (f.zipBased() || f == Format.SEVEN_ZIP) {
            // both need random access: read into memory up to the nested bound
            if (length < 0 || length > policy.maxNestedBytes()) {
                run.out.add("zip.unscanned_member", Severity.HIGH, where, "a nested " + f.id() + " of "
                        + (length < 0 ? "unknown size" : length + " bytes") + " is over the " + policy.maxNestedBytes()
                        + "-byte bound for nested archives; its content was not scanned", sniff.evidence());
            } else {
                byte[] all = readHead(whole, (int) length);
                if (f == Format.SEVEN_ZIP) {
                    new SevenZScanner(this, run).scan(ByteSource.of(all), where, depth + 1);
                } else {
                    new ArchiveScanner(this, run).scan(ByteSource.of(all), where, f, depth + 1);
                }
            }
        } else if (f == Format.NUMPY) {
            npy(run, whole, length, where);
        } else if (f == Format.HDF5) {
            if (length >= 0 && length <= policy.maxNestedBytes()) {
                hdf5(run, ByteSource.of(readHead(whole, (int) length)), where, false);
            } else {
                // over the bound it is not read into memory: the folder stage reports an .h5 member as not inspected
                run.count("hdf5NotSearched", 1);
            }
        }
        return new Looked(f, null);
    }

    /** The artifact's own gzip body: the one the format gate kept, else inflated here. */
    private void gzip(Run run, ByteSource src, GzipBody body) throws IOException {
        if (!body.kept()) {
            gzip(run, InputCursor.stream(src, 0, src.size()), src.size(), "", 1);
            return;
        }
        // kept only when it inflated cleanly within the bound, so there is no ratio or malformation to report
        run.count("gzipStreams", 1);
        try (InputStream in = body.open()) {
            nested(run, in, -1, "gzip body", 1, false, PickleAnalyzer.Mode.PLAIN);
        }
    }

    /**
     * A gzip body, decompressed as a stream no further than the ratio and size bounds allow, then
     * looked at by its content like an archive member.
     */
    void gzip(Run run, InputStream compressed, long compressedLength, String where, int depth) throws IOException {
        String inner = where.isEmpty() ? "gzip body" : where + " > gzip body";
        run.count("gzipStreams", 1);
        long max = GzipBody.bound(compressedLength, policy.zip());
        Bounded body;
        try {
            body = new Bounded(GzipBody.inflate(compressed), max);
        } catch (ZipException | EOFException e) {
            run.out.add("gzip.malformed", Severity.HIGH, where.isEmpty() ? "offset 0" : where,
                    "gzip header is malformed: " + e.getMessage(), "");
            return;
        }
        try {
            nested(run, body, -1, inner, depth, false, PickleAnalyzer.Mode.PLAIN);
            body.drain();
        } catch (ZipException | EOFException e) {
            run.out.add("gzip.malformed", Severity.HIGH, inner, "gzip data is malformed or truncated: " + e.getMessage(), "");
        }
        if (body.exceeded) {
            run.out.add("gzip.compression_ratio", Severity.HIGH, inner, "gzip body inflates past " + max
                    + " bytes; the rest was not scanned", "");
        }
    }

    /** A Keras .h5 file: its model config found by a byte search and judged by the Keras config rules. */
    void hdf5(Run run, ByteSource src, String where, boolean alone) throws IOException {
        KerasConfig.H5 h = KerasConfig.h5(src, where, run.out, alone);
        run.count("hdf5Searched", 1);
        run.count("hdf5ModelConfigs", h.configs().size());
        if (alone) {
            run.notes.put("hdf5.modelConfig", h.describe());
        }
    }

    /** A .npy whose dtype holds Python objects stores its data as a pickle right after the header. */
    void npy(Run run, InputStream stream, long length, String where) throws IOException {
        byte[] pre = readHead(stream, 12);
        if (pre.length < 10) {
            return;
        }
        int major = pre[6] & 0xff;
        long headerLen = major == 1 ? (pre[8] & 0xff) | (pre[9] & 0xff) << 8
                : pre.length >= 12 ? (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8 | (pre[10] & 0xffL) << 16 | (pre[11] & 0xffL) << 24 : -1;
        int fixed = major == 1 ? 10 : 12;
        if (headerLen < 0 || headerLen > 1 << 20 || length >= 0 && headerLen > length - fixed) {
            run.out.add("numpy.malformed", Severity.HIGH, where.isEmpty() ? "offset 8" : where,
                    ".npy header length " + headerLen + " is out of bounds", "");
            return;
        }
        InputStream rest = new SequenceInputStream(new ByteArrayInputStream(pre, fixed, pre.length - fixed), stream);
        byte[] header = readHead(rest, (int) headerLen);
        String text = new String(header, StandardCharsets.ISO_8859_1);
        int d = text.indexOf("descr");
        int end = text.indexOf("fortran_order");
        String descr = d < 0 ? "" : text.substring(d, end > d ? end : text.length());
        if (NPY_OBJECT.matcher(descr).find()) {
            run.count("npyObjectArrays", 1);
            long dataLength = length < 0 ? -1 : length - fixed - headerLen;
            pickle(run, rest, dataLength, where.isEmpty() ? "object array data" : where + " > object array data",
                    PickleAnalyzer.Mode.PLAIN);
        }
    }

    /** Up to {@code max} bytes from the stream's start. */
    static byte[] readHead(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 1 << 20));
        byte[] buf = new byte[Math.min(Math.max(max, 1), 64 * 1024)];
        int left = max;
        while (left > 0) {
            int n = in.read(buf, 0, Math.min(buf.length, left));
            if (n <= 0) {
                break;
            }
            out.write(buf, 0, n);
            left -= n;
        }
        return out.toByteArray();
    }

    PickleAnalyzer pickles() {
        return pickles;
    }

    public StaticScanPolicy policy() {
        return policy;
    }

    /** Stops a decompressing stream at a byte bound, remembering that it had to. */
    static final class Bounded extends InputStream {
        private final InputStream in;
        private final long max;
        private long n;
        boolean exceeded;

        Bounded(InputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (n >= max) {
                if (in.read() >= 0) {
                    exceeded = true;
                }
                return -1;
            }
            int k = in.read(b, off, (int) Math.min(len, max - n));
            if (k > 0) {
                n += k;
            }
            return k;
        }

        void drain() throws IOException {
            byte[] buf = new byte[64 * 1024];
            while (read(buf, 0, buf.length) > 0) {
                // read to the end so truncation and the bound are noticed
            }
        }
    }
}
