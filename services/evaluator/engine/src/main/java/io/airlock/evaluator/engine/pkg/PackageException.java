package io.airlock.evaluator.engine.pkg;

/**
 * The artifact cannot be used as a model package. {@link Kind#NOT_RUNNABLE} means it is not one
 * (a bare model, a folder without a tokenizer): behavioral tests did not run and the report says
 * so. {@link Kind#REJECTED} means it claims to be one and breaks the package rules (traversal,
 * links, limits, a malformed config): that is a finding against the artifact.
 */
public final class PackageException extends Exception {
    /** Whether the artifact is merely not a package or a hostile or broken one. */
    public enum Kind { NOT_RUNNABLE, REJECTED }

    private final Kind kind;
    private final String evidence;

    public PackageException(Kind kind, String message, String evidence) {
        super(message);
        this.kind = kind;
        this.evidence = evidence == null ? "" : evidence;
    }

    public static PackageException notRunnable(String message) {
        return new PackageException(Kind.NOT_RUNNABLE, message, "");
    }

    public static PackageException rejected(String message, String evidence) {
        return new PackageException(Kind.REJECTED, message, evidence);
    }

    public Kind kind() {
        return kind;
    }

    public String evidence() {
        return evidence;
    }
}
