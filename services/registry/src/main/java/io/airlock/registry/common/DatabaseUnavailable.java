package io.airlock.registry.common;

import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;

/** Recognizes a failure to reach PostgreSQL, which callers should retry, unlike an internal error. */
public final class DatabaseUnavailable {
    private DatabaseUnavailable() {
    }

    public static boolean matches(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof ClosedConnectionException) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
