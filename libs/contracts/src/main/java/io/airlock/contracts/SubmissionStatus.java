package io.airlock.contracts;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The life of a submission. Statuses only move forward along {@link #successors()}; a re-scan
 * starts a new attempt at QUEUED.
 */
public enum SubmissionStatus {
    RECEIVED, QUEUED, SCANNING, EVALUATING, PROMOTED, ADMITTED, REJECTED, HACKED, FAILED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SubmissionStatus parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown submission status '" + text + "'");
        }
    }

    public boolean terminal() {
        return switch (this) {
            case PROMOTED, ADMITTED, REJECTED, HACKED, FAILED -> true;
            default -> false;
        };
    }

    /** Statuses reachable in one step within the same attempt. FAILED is reachable from any live status. */
    public Set<SubmissionStatus> successors() {
        return switch (this) {
            case RECEIVED -> EnumSet.of(QUEUED, HACKED, FAILED);
            case QUEUED -> EnumSet.of(SCANNING, FAILED);
            case SCANNING -> EnumSet.of(EVALUATING, ADMITTED, REJECTED, FAILED);
            // kernels: the evaluator's behavioral test admits them, rejects them, or finds them tampering (hacked)
            case EVALUATING -> EnumSet.of(PROMOTED, ADMITTED, REJECTED, HACKED, FAILED);
            default -> EnumSet.noneOf(SubmissionStatus.class);
        };
    }

    public boolean canMoveTo(SubmissionStatus next) {
        return successors().contains(next);
    }
}
