package io.airlock.access;

/**
 * The deny list could not be read: the caller is answered 503, never let through unchecked
 * (fail-closed, like the queue).
 */
public class IdentityUnavailableException extends RuntimeException {
    public IdentityUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
