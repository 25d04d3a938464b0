package io.airlock.cli;

import io.airlock.contracts.Kind;
import io.airlock.scanner.engine.PinnedDigests;
import io.airlock.scanner.engine.ScanEngine;
import io.airlock.scanner.engine.ScanOptions;
import io.airlock.scanner.engine.ScanPolicy;
import io.airlock.scanner.engine.ScanReport;
import io.airlock.scanner.engine.StageListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code airlock scan FILE}: the scanner's stages, locally, with the default policy. */
@Command(name = "scan", description = "Scan an artifact locally with the scanner's stages and default policy.",
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:pass", "1:reject (including malformed or truncated artifacts)", "2:tool error"})
final class ScanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the artifact")
    Path file;

    @Option(names = "--expected-sha256", paramLabel = "HEX", defaultValue = "",
            description = "reject unless the artifact's SHA-256 is this (64 hex digits, optional sha256: prefix)")
    String expectedSha256;

    @Option(names = "--lock", paramLabel = "FILE",
            description = "reject unless the artifact's SHA-256 is the one this lock file pins for it (sha256sum "
                    + "format: 'sha256sum model.gguf > airlock.lock' makes one; paths relative to the lock file)")
    Path lock;

    @Option(names = "--kind", paramLabel = "model|kernel", defaultValue = "model", converter = KindConverter.class,
            description = "what the artifact is submitted as (default ${DEFAULT-VALUE})")
    Kind kind;

    @Option(names = "--policy", paramLabel = "NAME|FILE", defaultValue = "default",
            description = "default (pickle-based formats denied), permissive (every format allowed: the verdict "
                    + "comes from findings alone), or a policy file (YAML, docs/SCAN-POLICY.md)")
    String policy;

    @Option(names = "--fail-on", paramLabel = "SEVERITY",
            description = "reject from this severity on (default HIGH; MEDIUM, LOW, INFO tighten; CRITICAL passes "
                    + "HIGH findings of analysis, while gate findings still reject)")
    String failOn;

    @Option(names = "--format", paramLabel = "text|json|sarif", defaultValue = "text",
            description = "output format (default ${DEFAULT-VALUE})")
    OutputFormat format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!expectedSha256.isBlank() && !ScanOptions.isSha256Hex(expectedSha256)) {
            err.println("airlock: --expected-sha256 must be 64 hex digits, got '" + expectedSha256 + "'");
            return ExitCodes.TOOL_ERROR;
        }
        if (!LocalFile.check(file, err)) {
            return ExitCodes.TOOL_ERROR;
        }
        String pinned = expectedSha256;
        if (lock != null) {
            if (!expectedSha256.isBlank()) {
                err.println("airlock: --lock and --expected-sha256 both pin the digest: give one");
                return ExitCodes.TOOL_ERROR;
            }
            try {
                PinnedDigests pins = PinnedDigests.load(lock);
                java.util.Optional<String> d = pins.digestOf(file);
                if (d.isEmpty()) {
                    // a lock that does not name the file pins nothing: scanning it unpinned would pretend
                    err.println("airlock: " + file + " is not pinned in " + pins);
                    return ExitCodes.TOOL_ERROR;
                }
                pinned = d.get();
            } catch (IllegalArgumentException | java.io.IOException e) {
                err.println("airlock: lock file: " + e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
        }
        ScanPolicy p;
        try {
            p = ScanPolicy.resolve(policy);
            if (failOn != null) {
                p = p.withFailOn(ScanPolicy.severity(null, failOn));
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            err.println("airlock: " + e.getMessage());
            return ExitCodes.TOOL_ERROR;
        }
        ScanOptions options = p.options(ScanOptions.defaults(kind)).withExpectedSha256(pinned);
        for (String l : p.loosenings()) {
            err.println("airlock: policy " + p.describe() + " loosens the default: " + l);
        }
        ScanReport report = ScanEngine.of(p).scan(file, options, StageListener.NONE);
        if (format == OutputFormat.json) {
            out.println(Reports.json(report));
        } else if (format == OutputFormat.sarif) {
            out.println(Reports.sarif(ScanEngine.VERSION, file, report.size(), report.sha256(), report.stages(),
                    report.stages().stream().flatMap(s -> s.findings().stream()).toList()));
        } else {
            Reports.stages(out, report.stages());
            out.printf("verdict: %s  format=%s sha256=%s size=%d  policy %s%n", report.verdict(), report.format().id(),
                    report.sha256().isEmpty() ? "-" : report.sha256(), report.size(), p.describe());
        }
        out.flush();
        return switch (report.verdict()) {
            case PASS -> ExitCodes.PASS;
            case REJECT -> ExitCodes.REJECT;
            case ERROR -> ExitCodes.TOOL_ERROR;
        };
    }
}
