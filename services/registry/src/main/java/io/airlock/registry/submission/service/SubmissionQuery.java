package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

import io.airlock.contracts.Kind;
import io.airlock.contracts.SubmissionStatus;

import java.time.Instant;
import java.util.Optional;

/** A page request over submissions, newest first; {@code submitter} narrows it to one user's. */
public record SubmissionQuery(Optional<SubmissionStatus> status, Optional<Kind> kind, Optional<Instant> since,
                             Optional<String> submitter, int limit, int offset) {
    public static final int MAX_LIMIT = 200;
    public static final int DEFAULT_LIMIT = 50;

    public SubmissionQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw RegistryException.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        if (offset < 0) {
            throw RegistryException.invalid("offset must be >= 0, got " + offset);
        }
    }
}
