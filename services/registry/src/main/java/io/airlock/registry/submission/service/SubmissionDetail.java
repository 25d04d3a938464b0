package io.airlock.registry.submission.service;

import java.util.List;

/** A submission with its stage results and status history, each in seq order. */
public record SubmissionDetail(SubmissionRecord submission, List<RegistryEvent.StageEvent> stages,
                               List<RegistryEvent.StatusEvent> history) {
    public SubmissionDetail {
        stages = List.copyOf(stages);
        history = List.copyOf(history);
    }
}
