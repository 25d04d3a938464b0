package io.airlock.registry.common;

/** What an idempotent write did. */
public enum WriteOutcome {
    /** The write changed the record. */
    APPLIED,
    /** The same key was already recorded; nothing changed. */
    DUPLICATE,
    /** A transition not legal from the current status or attempt (a late redelivery); nothing changed. */
    STALE
}
