package io.airlock.guard.engine;

import io.airlock.contracts.Finding;

import java.util.List;
import java.util.Objects;

/**
 * What the precheck decided and why.
 *
 * @param verdict        ALLOW or BLOCK
 * @param findings       every finding, blocking or not
 * @param detectedFormat the format id by content (see the scanner's Format), e.g. "pickle"
 * @param durationMicros how long the check took
 * @param engineVersion  engine and rule-set version
 */
public record GuardResult(GuardVerdict verdict, List<Finding> findings, String detectedFormat, long durationMicros,
                          String engineVersion) {
    public GuardResult {
        Objects.requireNonNull(verdict, "verdict");
        findings = List.copyOf(findings);
        detectedFormat = Objects.requireNonNullElse(detectedFormat, "");
        engineVersion = Objects.requireNonNullElse(engineVersion, "");
    }
}
