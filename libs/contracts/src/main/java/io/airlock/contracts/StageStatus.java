package io.airlock.contracts;

/**
 * Outcome of one stage. A stage that did not run is never PASS: it is SKIPPED (not applicable
 * or disabled by policy, with the reason) or NOT_RUN (it should have run and could not, with
 * the reason); policy decides whether NOT_RUN blocks promotion.
 */
public enum StageStatus {
    PASS, FAIL, ERROR, SKIPPED, NOT_RUN;

    public boolean decidesAgainst() {
        return this == FAIL || this == ERROR;
    }
}
