package io.airlock.scanner.engine;

/** The outcome of a scan: PASS (no stage decided against it), REJECT (a stage failed), ERROR (a stage could not run). */
public enum ScanVerdict {
    PASS, REJECT, ERROR
}
