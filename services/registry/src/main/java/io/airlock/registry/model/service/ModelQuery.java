package io.airlock.registry.model.service;

import io.airlock.registry.common.RegistryException;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/** A page request over the listed models, newest first; {@code submitter}: only that user's models. */
public record ModelQuery(Optional<Instant> since, Optional<String> name, Optional<String> sha256,
                         Optional<String> submitter, int limit, int offset) {
    public static final int MAX_LIMIT = 200;
    public static final int DEFAULT_LIMIT = 50;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public ModelQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw RegistryException.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        if (offset < 0) {
            throw RegistryException.invalid("offset must be >= 0, got " + offset);
        }
        sha256 = sha256.map(h -> h.startsWith("sha256:") ? h.substring(7) : h);
        if (sha256.isPresent() && !HEX64.matcher(sha256.get()).matches()) {
            throw RegistryException.invalid("sha256 must be 64 lowercase hex digits (optionally sha256:), got '"
                    + sha256.get() + "'");
        }
    }
}
