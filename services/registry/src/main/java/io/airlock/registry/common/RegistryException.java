package io.airlock.registry.common;

/**
 * A request the registry refuses, with the reason the caller gets (a gRPC status or an HTTP
 * problem). Anything else that fails is an internal error.
 */
public final class RegistryException extends RuntimeException {

    /** Why a request was refused; each maps to one gRPC status and one HTTP status. */
    public enum Reason {
        INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION
    }

    private final Reason reason;

    private RegistryException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public static RegistryException invalid(String message) {
        return new RegistryException(Reason.INVALID_ARGUMENT, message);
    }

    public static RegistryException notFound(String submissionId) {
        return notFound("submission", submissionId);
    }

    /** Nothing of kind {@code what} (submission, model) has this id. */
    public static RegistryException notFound(String what, String id) {
        return new RegistryException(Reason.NOT_FOUND, "no " + what + " '" + id + "'");
    }

    public static RegistryException precondition(String message) {
        return new RegistryException(Reason.FAILED_PRECONDITION, message);
    }

    public Reason reason() {
        return reason;
    }
}
