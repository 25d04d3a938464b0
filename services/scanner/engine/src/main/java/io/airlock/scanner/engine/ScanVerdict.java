package io.airlock.scanner.engine;

/** The scanner's decision: PASS, REJECT (a stage failed) or ERROR (a stage could not do its job). */
public enum ScanVerdict {
    PASS, REJECT, ERROR
}
