package io.airlock.contracts;

import java.util.Objects;

/**
 * The payload of a queue message: ids and small metadata, never artifact bytes.
 * The pair (submissionId, attempt) is the idempotency key of every step.
 *
 * <p>{@code task} and {@code taskDigest}: for a kernel that names its task, the task's name and the digest of
 * the version the gateway pinned (the evaluator fetches exactly those files); "" otherwise, and for messages
 * written before the fields existed.
 */
public record WorkItem(String submissionId, int attempt, Kind kind, String name, String blob, long size,
                       String filename, String sourceUrl, String expectedSha256, String signatureBlob,
                       String task, String taskDigest) {
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
        // "" when the submitter sent no detached signature (messages written before the field existed read as "")
        signatureBlob = Objects.requireNonNullElse(signatureBlob, "");
        task = Objects.requireNonNullElse(task, "");
        taskDigest = Objects.requireNonNullElse(taskDigest, "");
    }

    /** Work that names no task (models, and kernels sent without one). */
    public WorkItem(String submissionId, int attempt, Kind kind, String name, String blob, long size,
                    String filename, String sourceUrl, String expectedSha256, String signatureBlob) {
        this(submissionId, attempt, kind, name, blob, size, filename, sourceUrl, expectedSha256, signatureBlob, "", "");
    }

    /** The same work for the next attempt (a re-scan). */
    public WorkItem withAttempt(int next) {
        return new WorkItem(submissionId, next, kind, name, blob, size, filename, sourceUrl, expectedSha256, signatureBlob,
                task, taskDigest);
    }

    /** The same work pinned to a task version. */
    public WorkItem withTask(String taskName, String digest) {
        return new WorkItem(submissionId, attempt, kind, name, blob, size, filename, sourceUrl, expectedSha256, signatureBlob,
                taskName, digest);
    }
}
