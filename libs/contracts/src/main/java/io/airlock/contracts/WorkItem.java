package io.airlock.contracts;

import java.util.Objects;

/**
 * The payload of a queue message: ids and small metadata, never artifact bytes.
 * The pair (submissionId, attempt) is the idempotency key of every step.
 */
public record WorkItem(String submissionId, int attempt, Kind kind, String name, String blob, long size,
                       String filename, String sourceUrl, String expectedSha256) {
    public WorkItem {
        Objects.requireNonNull(submissionId, "submissionId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(blob, "blob");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1");
        }
        name = Objects.requireNonNullElse(name, "");
        filename = Objects.requireNonNullElse(filename, "");
        sourceUrl = Objects.requireNonNullElse(sourceUrl, "");
        expectedSha256 = Objects.requireNonNullElse(expectedSha256, "");
    }
}
