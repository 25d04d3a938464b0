package io.airlock.access;

import io.quarkus.security.AuthenticationException;

/** A token that verified but is on the deny list: answered 401 {@code invalid_token}. */
public class TokenRevokedException extends RuntimeException implements AuthenticationException {
    public TokenRevokedException(String message) {
        super(message);
    }
}
