package io.airlock.registry.submission.service;

import io.airlock.contracts.SubmissionStatus;

import java.util.List;

/** The events of a submission after a seq, in seq order, and its current status. */
public record EventsSince(List<RegistryEvent> events, SubmissionStatus status) {
    public EventsSince {
        events = List.copyOf(events);
    }

    public boolean terminal() {
        return status.terminal();
    }
}
