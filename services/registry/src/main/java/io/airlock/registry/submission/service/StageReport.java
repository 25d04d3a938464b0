package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

import io.airlock.contracts.StageResult;

import java.util.Objects;

/** A stage result to record (RecordStage). Key: (submissionId, attempt, result.stage). */
public record StageReport(String submissionId, int attempt, StageResult result, String service) {
    public StageReport {
        Checks.submissionId(submissionId);
        Checks.attempt(attempt);
        Objects.requireNonNull(result, "result");
        Checks.stage(result.stage());
        if (result.durationMicros() < 0) {
            throw RegistryException.invalid("duration_micros must be >= 0, got " + result.durationMicros());
        }
        service = Checks.text(service);
    }
}
