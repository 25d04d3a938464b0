package io.airlock.guard.service.external;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * {@code airlock.guard.external.*}: an optional second opinion, e.g. KernelGuard's
 * {@code kernelguard --api-mode}. Exactly one of {@code command} or {@code url} may be set.
 */
@ConfigMapping(prefix = "airlock.guard.external")
public interface ExternalAnalyzerConfig {
    /** Command line (split on whitespace, no shell) that reads the submission on stdin and prints one JSON object. */
    Optional<String> command();

    /** HTTP endpoint that takes the submission as the POST body and answers the same JSON. */
    Optional<String> url();

    @WithDefault("5s")
    Duration timeout();

    /** Kinds sent to the analyzer. */
    @WithDefault("kernel")
    Set<String> kinds();

    /** Largest submission sent (bigger ones are not analyzed externally, and the report says so). */
    @WithDefault("1048576")
    int maxInputBytes();
}
