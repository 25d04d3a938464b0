package io.airlock.scanner.engine;

import io.airlock.contracts.StageResult;

import java.util.List;

/** Everything one scan found, stage by stage. {@code schemaVersion} names the shape of this record. */
public record ScanReport(String schemaVersion, ScanVerdict verdict, String sha256, long size, Format format,
                         List<StageResult> stages, String engineVersion) {
    public static final String SCHEMA = "airlock.scan/v1";

    public ScanReport {
        stages = List.copyOf(stages);
    }
}
