package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

import java.util.regex.Pattern;

/** Input checks shared by the write and read paths; each failure is an INVALID_ARGUMENT with a clear message. */
final class Checks {
    // ids become URL path segments and log fields: keep them to a safe alphabet
    private static final Pattern SUBMISSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern STAGE = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");
    static final Pattern BLOB = Pattern.compile("sha256:[0-9a-f]{64}");

    private Checks() {
    }

    static String submissionId(String id) {
        if (id == null || id.isBlank()) {
            throw RegistryException.invalid("submission_id is required");
        }
        if (!SUBMISSION_ID.matcher(id).matches()) {
            throw RegistryException.invalid("submission_id '" + id
                    + "' is not valid: 1-128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit");
        }
        return id;
    }

    /** For reads: an id that could never have been written is simply not there. */
    static String lookupId(String id) {
        if (id == null || id.isBlank()) {
            throw RegistryException.invalid("submission_id is required");
        }
        if (!SUBMISSION_ID.matcher(id).matches()) {
            throw RegistryException.notFound(id);
        }
        return id;
    }

    static int attempt(int attempt) {
        if (attempt < 1) {
            throw RegistryException.invalid("attempt must be >= 1, got " + attempt);
        }
        return attempt;
    }

    static String stage(String stage) {
        if (stage == null || !STAGE.matcher(stage).matches()) {
            throw RegistryException.invalid("stage '" + stage
                    + "' is not valid: 1-64 characters of a-z 0-9 _ . -, starting with a letter");
        }
        return stage;
    }

    static String text(String value) {
        return value == null ? "" : value;
    }
}
