package io.airlock.registry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/** {@code airlock.registry.*}: the registry's policy switches and operator access. */
@ConfigMapping(prefix = "airlock.registry")
public interface RegistryConfig {
    /**
     * Whether a {@code hacked} submission may be re-scanned (StartAttempt). Off by default: a hacked
     * submission is evidence of an attack, and its re-scan would enter the pipeline at "queued",
     * behind the precheck that blocked it.
     */
    @WithDefault("false")
    boolean rescanHacked();

    /**
     * Hex SHA-256 digests of the bearer tokens allowed to call operator endpoints (every REST method
     * but GET/HEAD/OPTIONS under /v1). Only digests are configured, never tokens. With none, operator
     * endpoints answer 403.
     */
    Optional<List<String>> operatorTokenSha256();
}
