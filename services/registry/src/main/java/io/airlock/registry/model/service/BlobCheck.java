package io.airlock.registry.model.service;

import java.time.Instant;

/**
 * What the registry found when it hashed a blob itself.
 *
 * @param problem why the bytes cannot be promoted; empty when they match
 */
public record BlobCheck(boolean matches, String actualSha256, long actualSize, Instant at, String problem) {

    static BlobCheck ok(String sha256, long size) {
        return new BlobCheck(true, sha256, size, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS), "");
    }

    static BlobCheck refused(String actualSha256, long actualSize, String problem) {
        return new BlobCheck(false, actualSha256, actualSize, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS), problem);
    }
}
