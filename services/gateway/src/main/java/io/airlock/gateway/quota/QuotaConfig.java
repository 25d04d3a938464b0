package io.airlock.gateway.quota;

import io.smallrye.config.ConfigMapping;

import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code airlock.quota.roles.<role>.*}: limits per role; a role without an entry (operators by
 * default) is not limited. An operator's per-user override (PUT /v1/quotas/{user}) wins.
 */
@ConfigMapping(prefix = "airlock.quota")
public interface QuotaConfig {
    Map<String, Limits> roles();

    interface Limits {
        /** Submissions accepted into the gate per clock hour, blocked ones included. */
        OptionalLong submissionsPerHour();

        /** Bytes uploaded per UTC day. */
        OptionalLong bytesPerDay();
    }
}
