package io.airlock.scanner.engine;

import io.airlock.formats.Format;
import io.airlock.formats.Sniff;
import io.airlock.formats.FormatSniffer;

import io.airlock.formats.SniffLimits;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;

import io.airlock.scanner.engine.analysis.FolderScan;
import io.airlock.formats.GzipBody;
import io.airlock.scanner.engine.analysis.ImportTiers;
import io.airlock.scanner.engine.analysis.StaticScan;
import io.airlock.scanner.engine.analysis.StaticScanPolicy;
import io.airlock.scanner.engine.analysis.WeightStats;
import io.airlock.formats.ByteSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs the scan stages over one file, in order, and stops at the first stage that decides against
 * it; the stages after it are reported as SKIPPED with the reason, never as passed.
 *
 * <p>Stages (stable ids): {@value #INTEGRITY} (streaming SHA-256, size limit, expected digest,
 * file changing under the scan), {@value #FORMAT_GATE} (format by content against the policy),
 * {@value #STATIC_SCAN} (pickle analysis wherever pickles are, archive rules; SKIPPED with its reason
 * for formats it has nothing to analyse in), {@value #FOLDER_SCAN} (a model folder's members against the
 * rules of its kind; SKIPPED for anything that is not a folder). A file the format gate fails is still statically scanned,
 * for evidence: its report says what it holds, while the verdict stays the format gate's.
 * Thread-safe: one engine serves concurrent scans.
 */
public final class ScanEngine {
    /** Engine and rule-set version; bumped by hand whenever a rule's meaning changes, so reports stay comparable. */
    public static final String VERSION = "airlock-scanner-engine/0.7.0";
    public static final String INTEGRITY = "integrity";
    public static final String FORMAT_GATE = "format_gate";
    public static final String STATIC_SCAN = StaticScan.STAGE;
    public static final String SOURCE_POLICY = ProvenanceStages.SOURCE_POLICY;
    public static final String PROVENANCE = ProvenanceStages.PROVENANCE;
    /** Operators' stage 7 (diffusion deep scan), for every kind of model folder: see {@link FolderScan}. */
    public static final String FOLDER_SCAN = FolderScan.STAGE;
    /**
     * Every stage id, in the order they run (operators' stages 1-5 and 7; 6, the behavioral test,
     * is the evaluator's).
     */
    public static final List<String> STAGES = List.of(SOURCE_POLICY, INTEGRITY, FORMAT_GATE, PROVENANCE, STATIC_SCAN,
            FOLDER_SCAN);
    private final SniffLimits sniffLimits;
    private final StaticScan staticScan;
    private final FolderScan folderScan;

    public ScanEngine() {
        this(SniffLimits.defaults());
    }

    public ScanEngine(SniffLimits sniffLimits) {
        this(sniffLimits, StaticScanPolicy.defaults());
    }

    /** An engine whose static scan judges by {@code policy} (e.g. unknown pickle imports raised to HIGH). */
    public ScanEngine(SniffLimits sniffLimits, StaticScanPolicy policy) {
        this(sniffLimits, policy, ImportTiers.builtin());
    }

    /** An engine whose pickle analysis judges by {@code tiers} (the shipped table plus a policy's pickle_imports). */
    public ScanEngine(SniffLimits sniffLimits, StaticScanPolicy policy, ImportTiers tiers) {
        this.sniffLimits = Objects.requireNonNull(sniffLimits, "sniffLimits");
        this.staticScan = new StaticScan(Objects.requireNonNull(tiers, "tiers"), Objects.requireNonNull(policy, "policy"));
        this.folderScan = new FolderScan(policy);
    }

    /** The engine a scan policy asks for: its pickle import table ({@link ScanPolicy#importTiers()}). */
    public static ScanEngine of(ScanPolicy policy) {
        return new ScanEngine(SniffLimits.defaults(), StaticScanPolicy.defaults(), policy.importTiers());
    }

    /**
     * Scans one file. Never throws for anything the artifact does: a malformed artifact is a
     * finding, an I/O failure is an ERROR stage. Only the listener's own exceptions propagate.
     */
    public ScanReport scan(Path file, ScanOptions opts, StageListener listener) {
        return scan(file, opts, Provenance.none(), listener);
    }

    /** Scans one file, checking its recorded origin and its signature too. */
    public ScanReport scan(Path file, ScanOptions opts, Provenance provenance, StageListener listener) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(opts, "opts");
        Objects.requireNonNull(listener, "listener");
        Context ctx = new Context(file, opts, Objects.requireNonNull(provenance, "provenance"));
        List<StageResult> results = new ArrayList<>();
        ScanVerdict verdict = ScanVerdict.PASS;
        String stoppedBy = "";
        String failedStage = "";
        try {
            for (String stage : STAGES) {
                StageResult r;
                // a file the format gate refused is still analysed, so the report says what it holds;
                // the verdict stays the one the first failing stage decided
                boolean evidence = !stoppedBy.isEmpty() && failedStage.equals(FORMAT_GATE) && stage.equals(STATIC_SCAN);
                if (opts.disabledStages().contains(stage)) {
                    r = StageResult.skipped(stage, "disabled by policy " + opts.policy());
                } else if (!stoppedBy.isEmpty() && !evidence) {
                    r = StageResult.skipped(stage, (ctx.alongsideTheHash.containsKey(stage)
                            ? "ran alongside the hash, result not used: " : "not run: ") + stoppedBy);
                } else {
                    long t0 = System.nanoTime();
                    try {
                        StageResult done = ctx.alongsideTheHash.get(stage);
                        r = unchangedSinceHashed(done != null ? done : judged(run(stage, ctx, t0), opts), ctx);
                    } catch (Exception | StackOverflowError e) {
                        r = error(stage, e, t0);
                    }
                    if (evidence) {
                        r = withDetail(r, "ranFor", "evidence only: the verdict was decided by " + stoppedBy);
                    } else if (r.status() == StageStatus.FAIL) {
                        verdict = ScanVerdict.REJECT;
                        stoppedBy = "stage " + stage + " failed";
                        failedStage = stage;
                    } else if (r.status() == StageStatus.ERROR) {
                        verdict = ScanVerdict.ERROR;
                        stoppedBy = "stage " + stage + " could not complete";
                    }
                }
                r = withDetail(r, "policy", opts.policy() + " fail_on=" + opts.failOn());
                results.add(r);
                listener.onStage(r);
            }
        } finally {
            try {
                ctx.gzipBody.close();
            } catch (IOException e) {
                // a temporary file left behind is the OS's to clean; the report stands
            }
        }
        return new ScanReport(ScanReport.SCHEMA, verdict, ctx.sha256, ctx.size, ctx.format, results, VERSION);
    }

    /** Scans with the default options for the kind and no listener. */
    public ScanReport scan(Path file, Kind kind) {
        return scan(file, ScanOptions.defaults(kind), StageListener.NONE);
    }

    private static final class Context {
        final Path file;
        final ScanOptions opts;
        final Provenance provenance;
        String sha256 = "";
        /** The file as it was when the hash began; null before the integrity stage ran. */
        FileIdentity identity;
        /** A gzip artifact's body, inflated once by the format gate; deleted when the scan ends. */
        GzipBody gzipBody = GzipBody.NONE;
        /** Stages that ran while the file was hashed, judged, waiting for their turn in the report. */
        final Map<String, StageResult> alongsideTheHash = new java.util.HashMap<>();
        long size = -1;
        Format format = Format.UNKNOWN;
        /** Tensors of a GGUF or safetensors file the format gate validated; null otherwise. */
        List<WeightStats.Tensor> tensors;

        Context(Path file, ScanOptions opts, Provenance provenance) {
            this.file = file;
            this.opts = opts;
            this.provenance = provenance;
        }
    }

    private StageResult run(String stage, Context ctx, long t0) throws IOException {
        return switch (stage) {
            case INTEGRITY -> integrity(ctx, t0);
            case FORMAT_GATE -> formatGate(ctx, t0);
            case STATIC_SCAN -> staticScan(ctx, t0);
            case FOLDER_SCAN -> folderScan(ctx, t0);
            case SOURCE_POLICY -> timed(ProvenanceStages.sourcePolicy(ctx.provenance), t0);
            case PROVENANCE -> timed(ProvenanceStages.provenance(ctx.provenance, ctx.file, ctx.sha256), t0);
            default -> throw new IllegalStateException("no stage " + stage);
        };
    }

    private static StageResult timed(StageResult r, long t0) {
        return new StageResult(r.stage(), r.status(), micros(t0), r.findings(), r.details());
    }

    private StageResult integrity(Context ctx, long t0) throws IOException {
        ScanOptions o = ctx.opts;
        ctx.identity = FileIdentity.of(ctx.file);
        long before = ctx.identity.size();
        if (before > o.maxBytes()) {
            return result(INTEGRITY, t0, List.of(finding("integrity.size_limit", INTEGRITY,
                    "artifact is " + before + " bytes, over the limit of " + o.maxBytes() + " for a " + o.kind().wire(),
                    "")), Map.of("size", Long.toString(before), "maxBytes", Long.toString(o.maxBytes())));
        }
        java.util.concurrent.FutureTask<ReadAheadHash.Hashed> hashing = new java.util.concurrent.FutureTask<>(() -> {
            try (InputStream in = Files.newInputStream(ctx.file)) {
                return ReadAheadHash.sha256(in, o.maxBytes());
            }
        });
        Thread hasher = new Thread(hashing, "airlock-hash");
        hasher.setDaemon(true);
        hasher.start();
        whileHashing(ctx);
        ReadAheadHash.Hashed h = joined(hashing, hasher);
        long after = Files.size(ctx.file);
        StageResult r = judgeIntegrity(o, before, h, after, t0);
        if (r.details().containsKey("sha256")) {
            ctx.sha256 = h.sha256();
            ctx.size = h.bytes();
        }
        return r;
    }

    /**
     * The stages that read the file but need no digest (format gate, static scan, and the folder
     * scan when the gate passed), run on this thread while another hashes: the scan then costs the
     * hash plus start-up, not their sum. Their results wait in the context and are reported in
     * stage order, each checked against the file's identity then; a stage that turns out not to be
     * wanted (the hash failed, provenance failed) is reported as such, its result unused.
     */
    private void whileHashing(Context ctx) {
        for (String stage : List.of(FORMAT_GATE, STATIC_SCAN, FOLDER_SCAN)) {
            if (ctx.opts.disabledStages().contains(stage)) {
                continue;
            }
            StageResult gate = ctx.alongsideTheHash.get(FORMAT_GATE);
            if (stage.equals(FOLDER_SCAN) && (gate == null || gate.status() == StageStatus.FAIL
                    || gate.status() == StageStatus.ERROR)) {
                break; // the folder scan runs only after a gate that passed
            }
            long t0 = System.nanoTime();
            StageResult r;
            try {
                r = judged(run(stage, ctx, t0), ctx.opts);
            } catch (Exception | StackOverflowError e) {
                r = error(stage, e, t0);
            }
            ctx.alongsideTheHash.put(stage, r);
        }
    }

    private static ReadAheadHash.Hashed joined(java.util.concurrent.FutureTask<ReadAheadHash.Hashed> hashing, Thread hasher)
            throws IOException {
        try {
            return hashing.get();
        } catch (InterruptedException e) {
            hasher.interrupt();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while hashing");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /**
     * {@code r}, failed when the file is no longer the one that was hashed (rewritten in place,
     * truncated, replaced): what this stage read may not be what the digest covers.
     */
    private static StageResult unchangedSinceHashed(StageResult r, Context ctx) throws IOException {
        if (ctx.identity == null || ctx.identity.equals(FileIdentity.of(ctx.file))) {
            return r;
        }
        List<Finding> findings = new ArrayList<>(r.findings());
        findings.add(finding("integrity.changed_during_scan", r.stage(), "the file changed after its digest was "
                + "computed (size, modification or change time, or inode differ): what this stage read is not "
                + "what was hashed", ""));
        return new StageResult(r.stage(), StageStatus.FAIL, r.durationMicros(), findings, r.details());
    }

    /** Compares sizes and digests; separate from the I/O so a file that grows mid-hash can be tested. */
    static StageResult judgeIntegrity(ScanOptions o, long before, ReadAheadHash.Hashed h, long after, long t0) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("size", Long.toString(h.bytes()));
        if (h.bytes() != before || after != before || h.overLimit()) {
            return result(INTEGRITY, t0, List.of(finding("integrity.changed_during_scan", INTEGRITY,
                    "the file changed while it was scanned: " + before + " bytes at the start, " + h.bytes()
                            + " read, " + after + " at the end", "")), details);
        }
        details.put("sha256", h.sha256());
        List<Finding> findings = new ArrayList<>();
        if (!o.expectedSha256().isEmpty()) {
            details.put("expectedSha256", o.expectedSha256());
            if (!ScanOptions.isSha256Hex(o.expectedSha256())) {
                findings.add(finding("integrity.sha256_mismatch", INTEGRITY,
                        "the expected digest is not a SHA-256 (64 hex digits), so nothing can match it",
                        "expected '" + o.expectedSha256() + "'"));
            } else if (!MessageDigest.isEqual(o.expectedSha256().getBytes(StandardCharsets.US_ASCII),
                    h.sha256().getBytes(StandardCharsets.US_ASCII))) {
                findings.add(finding("integrity.sha256_mismatch", INTEGRITY,
                        "SHA-256 differs from the expected digest",
                        "expected " + o.expectedSha256() + ", got " + h.sha256()));
            }
        }
        return result(INTEGRITY, t0, findings, details);
    }

    private StageResult formatGate(Context ctx, long t0) throws IOException {
        Sniff s = FormatSniffer.sniff(ctx.file, sniffLimits);
        ScanOptions o = ctx.opts;
        if (o.kind() == Kind.MODEL && (s.format() == Format.ZIP || s.format() == Format.TAR || s.format() == Format.GZIP)) {
            // a folder travels as one archive: its member names, all of them, say whether it is a model folder
            FolderScan.Recognition rec;
            try (FileChannel ch = FileChannel.open(ctx.file, StandardOpenOption.READ)) {
                if (s.format() == Format.GZIP) {
                    // inflated once here, read by the recognition, the static scan and the folder scan
                    ctx.gzipBody = GzipBody.spool(ByteSource.of(ch), staticScan.policy().zip());
                }
                rec = folderScan.recognise(ByteSource.of(ch), s.format(), ctx.gzipBody);
            }
            s = new Sniff(rec.kinds().isEmpty() ? s.format() : Format.MODEL_FOLDER, s.evidence() + "; " + rec.evidence());
        }
        Format f = s.format();
        ctx.format = f;
        List<Finding> findings = new ArrayList<>();
        String what = "format " + f.id();
        if (o.kind() == Kind.KERNEL && f != Format.PYTHON_SOURCE && f != Format.NATIVE_SOURCE) {
            findings.add(finding("format.kind_mismatch", FORMAT_GATE,
                    "a kernel must be Python or C/C++/CUDA source, this is " + f.id(), s.evidence()));
        }
        if (o.deniedFormats().contains(f)) {
            findings.add(finding("format.denied", FORMAT_GATE, what + " is denied by policy"
                    + (f.pickleBased() ? " (loading it runs a pickle, which can execute code)" : ""), s.evidence()));
        } else if (f == Format.UNKNOWN) {
            if (o.kind() == Kind.MODEL) {
                findings.add(finding("format.unknown", FORMAT_GATE, "the content matches no known model format",
                        s.evidence()));
            }
        } else if (!o.allowedFormats().contains(f) && findings.isEmpty()) {
            findings.add(finding("format.not_allowed", FORMAT_GATE, what + " is not among the allowed formats "
                    + o.allowedFormats().stream().map(Format::id).sorted().toList(), s.evidence()));
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("format", f.id());
        if (ctx.gzipBody.kept()) {
            details.put("gzipBody", "inflated once (" + ctx.gzipBody.size() + " bytes) into a private temporary file "
                    + "that the later stages read; deleted when the scan ends");
        }
        details.put("evidence", s.evidence());
        if (f == Format.GGUF || f == Format.SAFETENSORS || f == Format.ONNX) {
            // a denied or unwanted format is still validated, so the report says what is wrong with it
            StrictValidation.Validated v = StrictValidation.validate(ctx.file, f, details);
            findings.addAll(v.findings());
            ctx.tensors = v.tensors();
        }
        return result(FORMAT_GATE, t0, findings, details);
    }

    private StageResult staticScan(Context ctx, long t0) throws IOException {
        StaticScan.Outcome o;
        try (FileChannel ch = FileChannel.open(ctx.file, StandardOpenOption.READ)) {
            if (ctx.tensors != null) {
                o = WeightStats.scan(ByteSource.of(ch), ctx.tensors, ctx.opts.weights(), STATIC_SCAN,
                        staticScan.policy().maxFindingsPerRule());
            } else {
                o = staticScan.scan(ByteSource.of(ch), ctx.format, ctx.gzipBody);
            }
        }
        if (!o.applicable()) {
            Map<String, String> d = new LinkedHashMap<>(o.details());
            d.put("reason", o.reason());
            return new StageResult(STATIC_SCAN, StageStatus.SKIPPED, micros(t0), List.of(), d);
        }
        return result(STATIC_SCAN, t0, o.findings(), o.details());
    }

    private StageResult folderScan(Context ctx, long t0) throws IOException {
        StaticScan.Outcome o;
        try (FileChannel ch = FileChannel.open(ctx.file, StandardOpenOption.READ)) {
            o = folderScan.scan(ByteSource.of(ch), ctx.format, ctx.opts.deniedFormats(), ctx.opts.weights(), ctx.gzipBody);
        }
        if (!o.applicable()) {
            Map<String, String> d = new LinkedHashMap<>(o.details());
            d.put("reason", o.reason());
            return new StageResult(FOLDER_SCAN, StageStatus.SKIPPED, micros(t0), List.of(), d);
        }
        return result(FOLDER_SCAN, t0, o.findings(), o.details());
    }

    private static Finding finding(String rule, String stage, String message, String evidence) {
        return new Finding(rule, Severity.HIGH, stage, "", message, evidence);
    }

    /**
     * The stage judged by the policy's line: FAIL when a finding rejects under {@code o}
     * ({@link ScanOptions#rejects}), PASS when none does. A stage that failed or passed with no findings
     * (nothing to re-judge) and SKIPPED or ERROR stages stay as they are.
     */
    static StageResult judged(StageResult r, ScanOptions o) {
        if (r.findings().isEmpty() || (r.status() != StageStatus.PASS && r.status() != StageStatus.FAIL)) {
            return r;
        }
        boolean fail = r.findings().stream().anyMatch(o::rejects);
        StageStatus status = fail ? StageStatus.FAIL : StageStatus.PASS;
        if (status == r.status()) {
            return r;
        }
        return withDetail(new StageResult(r.stage(), status, r.durationMicros(), r.findings(), r.details()),
                "judgedBy", "policy " + o.policy() + " fails findings from " + o.failOn()
                        + (fail ? " (structural and gate findings from HIGH whatever the line)" : ""));
    }

    private static StageResult withDetail(StageResult r, String key, String value) {
        Map<String, String> d = new LinkedHashMap<>(r.details());
        d.put(key, value);
        return new StageResult(r.stage(), r.status(), r.durationMicros(), r.findings(), d);
    }

    /** FAIL when any finding decides against the artifact at the engine's own line, else PASS ({@link #judged} applies the policy's). */
    private static StageResult result(String stage, long t0, List<Finding> findings, Map<String, String> details) {
        boolean fail = findings.stream().anyMatch(f -> f.severity().blocksByDefault());
        return new StageResult(stage, fail ? StageStatus.FAIL : StageStatus.PASS, micros(t0), findings, details);
    }

    private static StageResult error(String stage, Throwable e, long t0) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        return new StageResult(stage, StageStatus.ERROR, micros(t0),
                List.of(new Finding("scan.internal_error", Severity.HIGH, stage, "",
                        "stage " + stage + " could not complete: " + e.getClass().getSimpleName(), msg)),
                Map.of("error", e.getClass().getName()));
    }

    private static long micros(long t0) {
        return (System.nanoTime() - t0) / 1000;
    }
}
