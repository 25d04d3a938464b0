package io.airlock.gateway.quota;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code airlock.quota.roles.<role>.*}: limits per role; a role without an entry (operators by
 * default) is not limited. An operator's per-user override (PUT /v1/quotas/{user}) wins.
 */
@ConfigMapping(prefix = "airlock.quota")
public interface QuotaConfig {
    Map<String, Limits> roles();

    /**
     * How often the bytes of an upload still arriving are added to its user's daily count; an upload
     * crossing the limit is stopped within about this time (plus one Redis round trip).
     */
    @WithDefault("100ms")
    Duration meterInterval();

    /**
     * A submission's in-flight slot stops counting after this, whatever happened to it: the bound on
     * a slot whose release was lost (Redis unreachable when its final status was recorded).
     */
    @WithDefault("24h")
    Duration inFlightMaxAge();

    interface Limits {
        /** Submissions accepted into the gate per clock hour, blocked ones included. */
        OptionalLong submissionsPerHour();

        /** Request body bytes uploaded per UTC day, counted as they arrive. */
        OptionalLong bytesPerDay();

        /** Submissions accepted and not yet at a final status. */
        OptionalLong inFlight();
    }
}
