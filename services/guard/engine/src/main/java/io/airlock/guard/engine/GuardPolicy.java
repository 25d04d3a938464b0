package io.airlock.guard.engine;

/**
 * Limits the precheck enforces, and the rules' outcomes.
 *
 * @param maxModelBytes  largest model artifact let through
 * @param maxKernelBytes largest kernel source let through
 * @param rules          which rules apply, with what outcome (a profile and a rules file)
 */
public record GuardPolicy(long maxModelBytes, long maxKernelBytes, GuardRules rules) {
    /** 20 GiB, the scanner's default model limit. */
    public static final long DEFAULT_MAX_MODEL_BYTES = 20L * 1024 * 1024 * 1024;
    /** 1 MiB: a kernel submission is source code. */
    public static final long DEFAULT_MAX_KERNEL_BYTES = 1024 * 1024;

    public GuardPolicy {
        if (maxModelBytes <= 0 || maxKernelBytes <= 0) {
            throw new IllegalArgumentException("size limits must be positive");
        }
        java.util.Objects.requireNonNull(rules, "rules");
    }

    /** Limits with the default rules. */
    public GuardPolicy(long maxModelBytes, long maxKernelBytes) {
        this(maxModelBytes, maxKernelBytes, GuardRules.defaults());
    }

    public GuardPolicy withRules(GuardRules r) {
        return new GuardPolicy(maxModelBytes, maxKernelBytes, r);
    }

    public static GuardPolicy defaults() {
        return new GuardPolicy(DEFAULT_MAX_MODEL_BYTES, DEFAULT_MAX_KERNEL_BYTES);
    }
}
