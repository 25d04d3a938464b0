package io.airlock.registry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code airlock.registry.*}: the registry's policy switches. */
@ConfigMapping(prefix = "airlock.registry")
public interface RegistryConfig {
    /**
     * Whether a {@code hacked} submission may be re-scanned (StartAttempt). Off by default: a hacked
     * submission is evidence of an attack, and its re-scan would enter the pipeline at "queued",
     * behind the precheck that blocked it.
     */
    @WithDefault("false")
    boolean rescanHacked();
}
