package io.airlock.guard.engine;

/**
 * Limits the precheck enforces.
 *
 * @param maxModelBytes  largest model artifact let through
 * @param maxKernelBytes largest kernel source let through
 */
public record GuardPolicy(long maxModelBytes, long maxKernelBytes) {
    /** 20 GiB, the scanner's default model limit. */
    public static final long DEFAULT_MAX_MODEL_BYTES = 20L * 1024 * 1024 * 1024;
    /** 1 MiB: a kernel submission is source code. */
    public static final long DEFAULT_MAX_KERNEL_BYTES = 1024 * 1024;

    public GuardPolicy {
        if (maxModelBytes <= 0 || maxKernelBytes <= 0) {
            throw new IllegalArgumentException("size limits must be positive");
        }
    }

    public static GuardPolicy defaults() {
        return new GuardPolicy(DEFAULT_MAX_MODEL_BYTES, DEFAULT_MAX_KERNEL_BYTES);
    }
}
