package io.airlock.evaluator.engine.judge;

/** A case's outcome: the model did what was expected, did not, or the answer cannot decide it. */
public enum Verdict {
    PASS, FAIL, UNDETERMINED
}
