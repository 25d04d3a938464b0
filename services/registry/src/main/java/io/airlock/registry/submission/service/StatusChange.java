package io.airlock.registry.submission.service;

import io.airlock.contracts.SubmissionStatus;

import java.util.Objects;

/** A status to move to (Transition). Key: (submissionId, attempt, status). */
public record StatusChange(String submissionId, int attempt, SubmissionStatus status, String reason, String actor) {
    public StatusChange {
        Checks.submissionId(submissionId);
        Checks.attempt(attempt);
        Objects.requireNonNull(status, "status");
        reason = Checks.text(reason);
        actor = Checks.text(actor);
    }
}
