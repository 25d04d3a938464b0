package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import io.airlock.contracts.StageResult;

import java.util.List;
import java.util.Objects;

/**
 * Everything one scan found, in stage order.
 *
 * @param schemaVersion {@value #SCHEMA}
 * @param verdict       PASS, REJECT or ERROR
 * @param sha256        lower-case hex SHA-256 of the bytes scanned; "" when the integrity stage did not hash them
 * @param size          bytes scanned; -1 when the file could not be read
 * @param format        the format by content; UNKNOWN when the format gate did not run
 * @param stages        every stage, including those that did not run (with their reason)
 * @param engineVersion the engine and rule-set version that produced this report
 */
public record ScanReport(String schemaVersion, ScanVerdict verdict, String sha256, long size, Format format,
                         List<StageResult> stages, String engineVersion) {
    public static final String SCHEMA = "airlock.scan/v1";

    public ScanReport {
        Objects.requireNonNull(schemaVersion, "schemaVersion");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(format, "format");
        sha256 = Objects.requireNonNullElse(sha256, "");
        stages = List.copyOf(stages);
        engineVersion = Objects.requireNonNullElse(engineVersion, "");
    }

    /** The stage with this name, if the report has it. */
    public java.util.Optional<StageResult> stage(String name) {
        return stages.stream().filter(s -> s.stage().equals(name)).findFirst();
    }
}
