package io.airlock.registry.model.service;

import java.util.Locale;

/** Where a model row stands. Only ACTIVE models are listed. */
public enum ModelState {
    /** Its submission is promoted, in this attempt; not deleted. */
    ACTIVE,
    /** Promoted, but held out of the listing: a conformance evaluation with failModelOnDrift fails it. */
    DEGRADED,
    /** Its submission moved on (a re-scan started a newer attempt); kept as history. */
    SUPERSEDED,
    /** Withdrawn by an operator; kept with who and why. */
    DELETED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
