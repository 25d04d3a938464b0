package io.airlock.registry.model.service;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A promoted model as recorded; {@code deletedAt} is present once an operator deleted it. */
public record ModelRecord(String id, String submissionId, int attempt, String name, String filename, String blob,
                          String sha256, long size, Instant promotedAt, String promotedBy, Instant verifiedAt,
                          List<StageSummary> stages, String policyVersion, ModelState state,
                          Optional<Instant> deletedAt, String deletedBy, String deleteReason) {
    public ModelRecord {
        stages = List.copyOf(stages);
    }
}
