package io.airlock.guard.service;

import io.smallrye.config.ConfigMapping;

/** {@code airlock.guard.*}: limits of the precheck. */
@ConfigMapping(prefix = "airlock.guard")
public interface GuardConfig {
    /** Largest model artifact accepted, in bytes. */
    long maxModelBytes();

    /** Largest kernel source accepted, in bytes. */
    long maxKernelBytes();
}
