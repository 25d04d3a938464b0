package io.airlock.registry.audit.service;

import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/** {@code airlock.audit.*}. */
@ConfigMapping(prefix = "airlock.audit")
public interface AuditConfig {
    /**
     * When set, entry hashes are HMAC-SHA256 under this key (UTF-8 bytes; use 32+ random bytes, from a
     * Secret), so rewriting the table cannot produce valid hashes without it. Entries written before
     * the key was set stay plain SHA-256; an unkeyed entry after a keyed one is reported as a break.
     */
    Optional<String> hmacKey();
}
