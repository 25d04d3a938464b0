package io.airlock.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code airlock.precheck.*}: the precheck gate. */
@ConfigMapping(prefix = "airlock.precheck")
public interface PrecheckConfig {
    @WithDefault("true")
    boolean enabled();

    /** {@code fail-closed} (default): guard outage answers 503; {@code fail-open}: accept, flagged. */
    @WithDefault("fail-closed")
    String mode();

    @WithDefault("2s")
    Duration deadline();

    /** Kernel sources up to this size travel inline to the guard instead of by reference. */
    @WithDefault("65536")
    int inlineMaxBytes();

    /** Whether a blocked submitter sees the evidence of the matched rules (operators always do, in the registry). */
    @WithDefault("false")
    boolean showEvidence();
}
