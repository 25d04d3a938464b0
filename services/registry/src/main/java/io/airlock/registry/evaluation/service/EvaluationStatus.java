package io.airlock.registry.evaluation.service;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An evaluation with its status: the phase and conditions as of its newest run, the newest finished
 * run ({@code lastResult} = {@code history[0]}), up to 20 finished runs newest first, the run in
 * flight, and the corpus digest as known now (the pinned one, or else the newest any run reported
 * for this corpus), to set against {@code lastResult.corpusDigest}.
 */
public record EvaluationStatus(String id, String name, String modelId, String corpusRef, String corpusDigest,
                               String schedule, boolean failModelOnDrift, double maxAttackSuccessRate, Phase phase,
                               List<Condition> conditions, Optional<RunSummary> lastResult, List<RunSummary> history,
                               Optional<RunSummary> inFlight, Optional<String> corpusDigestNow,
                               Optional<Instant> nextRunAt, boolean degradesModel, Instant createdAt, String createdBy,
                               Optional<Instant> deletedAt) {
    public static final int HISTORY = 20;
}
