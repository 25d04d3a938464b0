package io.airlock.contracts;

/** How bad a finding is. HIGH and CRITICAL reject a scan and block a precheck by default. */
public enum Severity {
    INFO, LOW, MEDIUM, HIGH, CRITICAL;

    /** The default policy line: a finding at or above HIGH decides against the artifact. */
    public boolean blocksByDefault() {
        return compareTo(HIGH) >= 0;
    }

    public boolean atLeast(Severity other) {
        return compareTo(other) >= 0;
    }
}
