package io.airlock.registry.audit.service;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One entry of the audit log.
 *
 * @param details   a JSON object; the registry writes string values only
 * @param alg       {@code sha256} or {@code hmac-sha256}: how {@code entryHash} was made
 * @param prevHash  the entry hash of entry {@code seq - 1}; 64 zeros for the first entry
 * @param entryHash hex hash over the canonical form of every other field (see {@link ChainHasher})
 */
public record AuditEntry(long seq, Instant at, String actor, String action, String subject, JsonNode details,
                         String alg, String prevHash, String entryHash) {

    AuditEntry withHash(String hash) {
        return new AuditEntry(seq, at, actor, action, subject, details, alg, prevHash, hash);
    }
}
