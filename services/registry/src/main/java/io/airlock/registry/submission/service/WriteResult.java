package io.airlock.registry.submission.service;

import io.airlock.registry.common.WriteOutcome;

import io.airlock.contracts.SubmissionStatus;

/** The outcome of a write and where the submission stands after it. */
public record WriteResult(WriteOutcome outcome, SubmissionStatus status, int attempt) {
}
