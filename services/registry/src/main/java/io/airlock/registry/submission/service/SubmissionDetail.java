package io.airlock.registry.submission.service;

import io.airlock.contracts.Finding;
import io.airlock.contracts.StageResult;

import java.util.List;

/** A submission with its stage results and status history, each in seq order. */
public record SubmissionDetail(SubmissionRecord submission, List<RegistryEvent.StageEvent> stages,
                               List<RegistryEvent.StatusEvent> history) {
    public SubmissionDetail {
        stages = List.copyOf(stages);
        history = List.copyOf(history);
    }

    /** The same record with every finding's evidence removed, for callers who may not see it. */
    public SubmissionDetail withoutEvidence() {
        return new SubmissionDetail(submission, stages.stream().map(SubmissionDetail::withoutEvidence).toList(), history);
    }

    private static RegistryEvent.StageEvent withoutEvidence(RegistryEvent.StageEvent e) {
        StageResult r = e.result();
        StageResult stripped = new StageResult(r.stage(), r.status(), r.durationMicros(),
                r.findings().stream().map(Finding::withoutEvidence).toList(), r.details());
        return new RegistryEvent.StageEvent(e.seq(), e.attempt(), stripped, e.service(), e.at());
    }
}
