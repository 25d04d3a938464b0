package io.airlock.gateway.precheck;

import io.airlock.contracts.v1.CheckResponse;

/** What the precheck gate decided for one submission. */
public sealed interface PrecheckOutcome {

    /** The text recorded on the submission's {@code precheck} field. */
    String recorded();

    /** The guard looked and allowed it. */
    record Allowed(CheckResponse response) implements PrecheckOutcome {
        public String recorded() {
            return "passed";
        }
    }

    /** The guard looked and blocked it: 400, recorded as hacked, never enqueued. */
    record Blocked(CheckResponse response) implements PrecheckOutcome {
        public String recorded() {
            return "blocked";
        }
    }

    /** Nobody looked (disabled, or guard down in fail-open mode): accepted, and flagged so. */
    record Skipped(String reason) implements PrecheckOutcome {
        public String recorded() {
            return "skipped (" + reason + ")";
        }
    }

    /** Guard down in fail-closed mode: 503, nothing accepted. */
    record Unavailable(String reason) implements PrecheckOutcome {
        public String recorded() {
            return "unavailable (" + reason + ")";
        }
    }
}
