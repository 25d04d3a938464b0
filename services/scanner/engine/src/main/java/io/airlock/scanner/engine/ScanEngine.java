package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quarantine stages over one file. The verdict is decided at the first stage that fails, but
 * the format is still identified and reported for a rejected file, so the report says what it is.
 * A stage that throws is an ERROR (never a pass); a stage that did not run says why.
 */
public final class ScanEngine {
    public static final String VERSION = "0.1.0";
    private static final int CHUNK = 1 << 20;

    public ScanReport scan(Path file, ScanOptions options, StageListener listener) {
        List<StageResult> stages = new ArrayList<>();
        String sha256 = "";
        long size = -1;
        Format format = Format.UNKNOWN;

        StageResult integrity = run("integrity", () -> integrity(file, options));
        stages.add(integrity);
        listener.onStage(integrity);
        sha256 = integrity.details().getOrDefault("sha256", "");
        size = Long.parseLong(integrity.details().getOrDefault("size", "-1"));

        StageResult gate = run("format_gate", () -> formatGate(file, options));
        stages.add(gate);
        listener.onStage(gate);
        format = Format.fromId(gate.details().getOrDefault("format", "")).orElse(Format.UNKNOWN);

        StageResult staticScan = StageResult.skipped("static_scan",
                "static analysis arrives with the scanner issue (#4)");
        stages.add(staticScan);
        listener.onStage(staticScan);

        return new ScanReport(ScanReport.SCHEMA, verdict(stages), sha256, size, format, stages, VERSION);
    }

    static ScanVerdict verdict(List<StageResult> stages) {
        for (StageResult s : stages) {
            if (s.status() == StageStatus.ERROR) {
                return ScanVerdict.ERROR;
            }
            if (s.status() == StageStatus.FAIL) {
                return ScanVerdict.REJECT;
            }
        }
        return ScanVerdict.PASS;
    }

    private interface StageBody {
        StageResult run() throws Exception;
    }

    /** Times a stage and turns anything it throws into an ERROR result with the exception as evidence. */
    private static StageResult run(String stage, StageBody body) {
        long t0 = System.nanoTime();
        try {
            StageResult r = body.run();
            return new StageResult(r.stage(), r.status(), (System.nanoTime() - t0) / 1000, r.findings(), r.details());
        } catch (Exception e) {
            return new StageResult(stage, StageStatus.ERROR, (System.nanoTime() - t0) / 1000,
                    List.of(new Finding("scan.internal_error", Severity.HIGH, stage, "", "the stage could not complete",
                            e.toString())), Map.of());
        }
    }

    private static StageResult integrity(Path file, ScanOptions o) throws IOException {
        long before = Files.size(file);
        MessageDigest sha = sha256();
        long read = 0;
        byte[] buf = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                read += n;
            }
        }
        long after = Files.size(file);
        String digest = HexFormat.of().formatHex(sha.digest());
        Map<String, String> details = new LinkedHashMap<>();
        details.put("sha256", digest);
        details.put("size", Long.toString(read));
        details.put("expected_sha256", o.expectedSha256().isEmpty() ? "none" : o.expectedSha256());
        List<Finding> findings = new ArrayList<>();
        if (before != read || after != read) {
            // a file that changes while it is hashed cannot be vouched for
            findings.add(new Finding("integrity.changed_during_scan", Severity.HIGH, "integrity", "",
                    "the file changed size while it was hashed", before + " -> " + read + " -> " + after));
        }
        if (!o.expectedSha256().isEmpty() && !o.expectedSha256().equals(digest)) {
            findings.add(new Finding("integrity.sha256_mismatch", Severity.HIGH, "integrity", "",
                    "SHA-256 differs from the expected digest", "expected " + o.expectedSha256() + ", got " + digest));
        }
        return new StageResult("integrity", findings.isEmpty() ? StageStatus.PASS : StageStatus.FAIL, 0, findings, details);
    }

    private static StageResult formatGate(Path file, ScanOptions o) throws IOException {
        Sniff sniff = FormatSniffer.sniff(file);
        Format f = sniff.format();
        Map<String, String> details = Map.of("format", f.id(), "evidence", sniff.evidence());
        List<Finding> findings = new ArrayList<>();
        if (o.kind() == Kind.KERNEL) {
            if (f != Format.PYTHON_SOURCE) {
                findings.add(new Finding("format.kind_mismatch", Severity.HIGH, "format_gate", "",
                        "a kernel submission must be Python source; this is " + f.id(), sniff.evidence()));
            }
        } else if (f == Format.UNKNOWN) {
            findings.add(new Finding("format.unknown", Severity.HIGH, "format_gate", "",
                    "the content matches no known model format", sniff.evidence()));
        } else if (o.deniedFormats().contains(f)) {
            findings.add(new Finding("format.denied", Severity.HIGH, "format_gate", "",
                    f.id() + " is denied by policy" + (f.pickleBased() ? " (loading it unpickles, which can run code)" : ""),
                    sniff.evidence()));
        } else if (!o.allowedFormats().contains(f)) {
            findings.add(new Finding("format.not_allowed", Severity.HIGH, "format_gate", "",
                    f.id() + " is not among the allowed formats " + o.allowedFormats(), sniff.evidence()));
        }
        return new StageResult("format_gate", findings.isEmpty() ? StageStatus.PASS : StageStatus.FAIL, 0, findings, details);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
