package io.airlock.registry.submission.sweeper;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code airlock.registry.sweeper.*}: the re-enqueueing of work whose message was lost. */
@ConfigMapping(prefix = "airlock.registry.sweeper")
public interface SweeperConfig {
    @WithDefault("true")
    boolean enabled();

    /** How often a sweep runs (one replica at a time: a PostgreSQL advisory lock). */
    @WithDefault("30s")
    Duration interval();

    /**
     * A submission in queued, scanning or evaluating whose row has not changed for this long, and
     * whose message is on no stream, has lost its message.
     */
    @WithDefault("2m")
    Duration staleAfter();

    /** Re-enqueues of one attempt before it is marked failed (a message that keeps vanishing). */
    @WithDefault("3")
    int maxRequeues();

    /** Submissions looked at per sweep. */
    @WithDefault("200")
    int batch();
}
