package io.airlock.registry.evaluation.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code airlock.registry.conformance.*}: scheduled and on-demand conformance runs. */
@ConfigMapping(prefix = "airlock.registry.conformance")
public interface EvaluationConfig {
    /** Whether this replica fires schedules and closes overdue runs (every replica may; each firing is taken once). */
    @WithDefault("true")
    boolean schedulerEnabled();

    /** How often due schedules are looked for; cron has minute resolution, so well under a minute. */
    @WithDefault("10s")
    Duration tick();

    /**
     * A queued run with no result after this long is closed as an error (its message was lost, or the
     * evaluator is down), so the next run can start. Longer than the evaluator's child timeout plus queueing.
     */
    @WithDefault("45m")
    Duration runTimeout();

    /** Evaluations fired, or overdue runs closed, per tick and replica. */
    @WithDefault("50")
    int batch();
}
