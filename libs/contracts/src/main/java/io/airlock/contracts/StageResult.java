package io.airlock.contracts;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one stage did to one artifact.
 *
 * @param details what really ran, as plain key/values: {@code executionProvider}, {@code sha256},
 *                {@code format}, {@code reason} for SKIPPED and NOT_RUN...
 */
public record StageResult(String stage, StageStatus status, long durationMicros, List<Finding> findings,
                          Map<String, String> details) {
    public StageResult {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(status, "status");
        findings = List.copyOf(findings);
        details = new TreeMap<>(details);
        if ((status == StageStatus.SKIPPED || status == StageStatus.NOT_RUN) && !details.containsKey("reason")) {
            throw new IllegalArgumentException("a " + status + " stage must say why (details.reason)");
        }
    }

    public static StageResult notRun(String stage, String reason) {
        return new StageResult(stage, StageStatus.NOT_RUN, 0, List.of(), Map.of("reason", reason));
    }

    public static StageResult skipped(String stage, String reason) {
        return new StageResult(stage, StageStatus.SKIPPED, 0, List.of(), Map.of("reason", reason));
    }
}
