package io.airlock.registry.model.service;

import java.time.Instant;
import java.util.List;

/** A model to record at promotion, inside the promotion's transaction. */
public record ModelDraft(String submissionId, int attempt, String name, String filename, String blob, String sha256,
                         long size, Instant promotedAt, String promotedBy, Instant verifiedAt,
                         List<StageSummary> stages, String policyVersion) {
    public ModelDraft {
        stages = List.copyOf(stages);
    }
}
