package io.airlock.registry.submission.service;

import io.airlock.contracts.Kind;
import io.airlock.contracts.SubmissionStatus;

import java.time.Instant;

/** A submission as recorded. Text fields are empty, never null, when not given. */
public record SubmissionRecord(String id, Kind kind, String name, String filename, String blob, long size,
                               String sha256, String sourceUrl, String expectedSha256, boolean hasSignature,
                               SubmissionStatus status, int attempt, String precheck, Instant createdAt,
                               Instant updatedAt, String signatureBlob,
                               String submitter, String task, String taskDigest) {
}
