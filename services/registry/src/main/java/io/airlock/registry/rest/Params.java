package io.airlock.registry.rest;

import io.airlock.registry.problem.ProblemException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Query parameters arrive as text and are parsed here: a JAX-RS conversion failure would answer
 * 404, while a bad filter or paging value is the caller's mistake, a 400 problem that says which.
 */
public final class Params {
    private Params() {
    }

    public static Optional<String> present(String v) {
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public static Instant instant(String name, String v) {
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("bad-filter",
                    name + " '" + v + "' is not an ISO-8601 instant with offset, e.g. 2026-11-24T10:00:00Z");
        }
    }

    public static int integer(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("bad-paging", name + " '" + v + "' is not an integer");
        }
    }

    public static long number(String name, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("bad-paging", name + " '" + v + "' is not an integer");
        }
    }
}
