package io.airlock.guard.engine;

/** The precheck's answer: BLOCK iff any finding is HIGH or worse. */
public enum GuardVerdict {
    ALLOW, BLOCK
}
