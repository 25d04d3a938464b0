package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

/** A re-scan to start (StartAttempt). Key: (submissionId, fromAttempt). */
public record AttemptStart(String submissionId, int fromAttempt, String reason, String actor) {
    public AttemptStart {
        Checks.submissionId(submissionId);
        if (fromAttempt < 1) {
            throw RegistryException.invalid("from_attempt must be >= 1, got " + fromAttempt);
        }
        reason = Checks.text(reason).isBlank() ? "re-scan" : reason;
        actor = Checks.text(actor).isBlank() ? "unspecified" : actor;
    }
}
