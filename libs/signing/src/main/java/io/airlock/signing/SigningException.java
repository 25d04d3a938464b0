package io.airlock.signing;

/** Anything about a key, envelope or bundle that cannot be used as given. */
public class SigningException extends Exception {
    public SigningException(String message) {
        super(message);
    }

    public SigningException(String message, Throwable cause) {
        super(message, cause);
    }
}
