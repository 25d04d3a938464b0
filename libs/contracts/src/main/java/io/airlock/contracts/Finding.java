package io.airlock.contracts;

import java.util.Objects;

/**
 * One thing a check found.
 *
 * @param rule     stable rule id, e.g. {@code format.magic_mismatch}
 * @param severity how bad it is
 * @param stage    the stage that found it
 * @param location file, member, offset, tensor or line; empty when the whole artifact
 * @param message  one line for people
 * @param evidence the bytes or text that matched, printable; may be withheld from submitters
 */
public record Finding(String rule, Severity severity, String stage, String location, String message,
                      String evidence) {
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        stage = Objects.requireNonNullElse(stage, "");
        location = Objects.requireNonNullElse(location, "");
        message = Objects.requireNonNullElse(message, "");
        evidence = Objects.requireNonNullElse(evidence, "");
    }

    public Finding withStage(String newStage) {
        return new Finding(rule, severity, newStage, location, message, evidence);
    }

    public Finding withoutEvidence() {
        return new Finding(rule, severity, stage, location, message, "");
    }
}
