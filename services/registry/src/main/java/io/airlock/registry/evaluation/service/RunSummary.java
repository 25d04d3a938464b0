package io.airlock.registry.evaluation.service;

import java.time.Instant;
import java.util.Optional;

/**
 * A run as history shows it. {@code state}: queued (waiting for the evaluator), completed (the corpus
 * ran; {@code passed} says whether within policy) or error (it could not run; {@code error} says why,
 * and it never counts as passed).
 */
public record RunSummary(String runId, String trigger, String state, Instant requestedAt, String requestedBy,
                         Optional<Instant> startedAt, Optional<Instant> finishedAt, String executionProvider,
                         String corpusName, String corpusDigest, int cases, int failed, int attacks, int determined,
                         int flagged, int undetermined, double attackSuccessRate, double maxAttackSuccessRate,
                         boolean passed, String error) {
    public static final String QUEUED = "queued";
    public static final String COMPLETED = "completed";
    public static final String ERROR = "error";

    public boolean completed() {
        return COMPLETED.equals(state);
    }
}
