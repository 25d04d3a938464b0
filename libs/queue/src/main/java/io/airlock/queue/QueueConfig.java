package io.airlock.queue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the connector as a whole ({@code airlock.queue.*}); per-channel ones are channel attributes. */
@ConfigMapping(prefix = "airlock.queue")
public interface QueueConfig {
    /** Connections of the connector's own Redis pool: one is held by each blocked read. */
    @WithDefault("12")
    int poolSize();

    /** How long the readiness check waits for Redis to answer PING. */
    @WithDefault("2s")
    java.time.Duration healthTimeout();
}
