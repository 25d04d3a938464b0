package io.airlock.registry.submission.service;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.SubmissionStatus;

import java.time.Instant;

/** Something recorded about a submission, numbered by the shared event sequence. */
public sealed interface RegistryEvent permits RegistryEvent.StatusEvent, RegistryEvent.StageEvent {
    long seq();

    int attempt();

    Instant at();

    /** The submission entered {@code status}. */
    record StatusEvent(long seq, int attempt, SubmissionStatus status, String reason, String actor, Instant at)
            implements RegistryEvent {
    }

    /** A stage finished; {@code service} recorded it. */
    record StageEvent(long seq, int attempt, StageResult result, String service, Instant at)
            implements RegistryEvent {
    }
}
