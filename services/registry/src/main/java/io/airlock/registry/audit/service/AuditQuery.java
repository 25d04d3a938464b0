package io.airlock.registry.audit.service;

import io.airlock.registry.common.RegistryException;

import java.time.Instant;
import java.util.Optional;

/** A page request over the audit log, oldest first: entries after seq {@code after}. */
public record AuditQuery(long after, Optional<Instant> since, Optional<String> subject, Optional<String> action,
                         int limit) {
    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_LIMIT = 100;

    public AuditQuery {
        if (after < 0) {
            throw RegistryException.invalid("after must be >= 0, got " + after);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw RegistryException.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
    }
}
