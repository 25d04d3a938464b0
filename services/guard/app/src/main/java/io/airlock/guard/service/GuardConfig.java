package io.airlock.guard.service;

import io.smallrye.config.ConfigMapping;

/** {@code airlock.guard.*}: limits of the precheck. */
@ConfigMapping(prefix = "airlock.guard")
public interface GuardConfig {
    /** Largest model artifact accepted, in bytes. */
    long maxModelBytes();

    /** Largest kernel source accepted, in bytes. */
    long maxKernelBytes();

    /** Rule profile: default, strict or permissive (a rules file's own profile wins). */
    @io.smallrye.config.WithDefault("default")
    String profile();

    /** Rules file (YAML): per-rule outcomes; an unknown rule id or key stops the start-up. */
    java.util.Optional<String> rulesFile();
}
