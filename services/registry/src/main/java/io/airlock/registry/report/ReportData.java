package io.airlock.registry.report;

import io.airlock.contracts.Finding;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.audit.service.AuditEntry;
import io.airlock.registry.model.service.ModelRecord;
import io.airlock.registry.submission.service.RegistryEvent;
import io.airlock.registry.submission.service.SubmissionDetail;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Everything a report of one attempt says: the submission, that attempt's stages and outcome, the
 * model it produced if promoted, and the audit entries about the submission.
 * {@code evidenceWithheld} says that the findings' evidence was removed for the reader (a
 * submitter), so that an empty evidence is never read as "nothing matched".
 */
public record ReportData(SubmissionDetail detail, int attempt, Optional<ModelRecord> model, List<AuditEntry> audit,
                         String toolVersion, Instant generatedAt, boolean evidenceWithheld) {
    public ReportData {
        audit = List.copyOf(audit);
    }

    /** The same report without the findings' evidence. */
    public ReportData withoutEvidence() {
        return new ReportData(detail.withoutEvidence(), attempt, model, audit, toolVersion, generatedAt, true);
    }

    public List<RegistryEvent.StageEvent> stages() {
        return detail.stages().stream().filter(s -> s.attempt() == attempt).toList();
    }

    /** The attempt's findings, worst first, each with its stage filled in. */
    public List<Finding> findings() {
        return stages().stream().flatMap(s -> s.result().findings().stream()
                        .map(f -> f.stage().isEmpty() ? f.withStage(s.result().stage()) : f))
                .sorted(Comparator.comparing(Finding::severity).reversed()).toList();
    }

    /** The last status the attempt entered (its outcome once final), from the history. */
    public Optional<RegistryEvent.StatusEvent> outcome() {
        return detail.history().stream().filter(h -> h.attempt() == attempt).reduce((a, b) -> b);
    }

    public SubmissionStatus status() {
        return outcome().map(RegistryEvent.StatusEvent::status).orElse(detail.submission().status());
    }

    /** The newest event seq of the report: together with the id, what makes two reports the same. */
    public long lastSeq() {
        long s = detail.stages().stream().mapToLong(RegistryEvent.StageEvent::seq).max().orElse(0);
        long h = detail.history().stream().mapToLong(RegistryEvent.StatusEvent::seq).max().orElse(0);
        return Math.max(s, h);
    }
}
