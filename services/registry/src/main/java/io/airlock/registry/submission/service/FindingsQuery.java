package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

import io.airlock.contracts.Severity;

import java.util.Optional;

/**
 * The findings of one attempt of a submission (default: its current attempt), optionally only those
 * at or above a severity or of one stage; a page of them, worst first.
 */
public record FindingsQuery(String submissionId, Optional<Integer> attempt, Optional<Severity> minSeverity,
                            Optional<String> stage, int limit, int offset) {
    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_LIMIT = 200;

    public FindingsQuery {
        Checks.lookupId(submissionId);
        attempt.ifPresent(Checks::attempt);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw RegistryException.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        if (offset < 0) {
            throw RegistryException.invalid("offset must be >= 0, got " + offset);
        }
    }
}
