package io.airlock.registry.submission.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.airlock.contracts.Finding;
import io.airlock.registry.submission.service.FindingsPage;
import io.airlock.registry.submission.service.RegistryEvent;
import io.airlock.registry.submission.service.SubmissionDetail;
import io.airlock.registry.submission.service.SubmissionPage;
import io.airlock.registry.submission.service.SubmissionRecord;

import java.util.List;
import java.util.Map;

/**
 * JSON shapes of the read API. Field names match the gateway's views of the same record, so a
 * client reads a submission the same way from either service.
 */
public final class SubmissionViews {
    private SubmissionViews() {
    }

    /** One page of submissions, newest first; {@code total} counts every match. */
    public record PageView(long total, int limit, int offset, List<SummaryView> items) {
        static PageView of(SubmissionPage p) {
            return new PageView(p.total(), p.limit(), p.offset(), p.items().stream().map(SummaryView::of).toList());
        }
    }

    /** A submission without its evidence, for lists. */
    public record SummaryView(String id, String kind, String name, String filename, String status, int attempt,
                              String precheck, String blob, long size, String sha256, String createdAt,
                              String updatedAt, String submitter) {
        static SummaryView of(SubmissionRecord s) {
            return new SummaryView(s.id(), s.kind().wire(), s.name(), s.filename(), s.status().wire(), s.attempt(),
                    s.precheck(), s.blob(), s.size(), s.sha256(), s.createdAt().toString(), s.updatedAt().toString(),
                    s.submitter());
        }
    }

    /** A submission with its stage results (findings included) and status history, in seq order. */
    public record SubmissionView(String id, String kind, String name, String filename, String status, int attempt,
                                 String precheck, String blob, long size, String sha256, String sourceUrl,
                                 String expectedSha256, boolean hasSignature, boolean terminal, String createdAt,
                                 String updatedAt, String submitter, boolean evidenceWithheld, List<StageView> stages,
                                 List<StatusView> history) {
        static SubmissionView of(SubmissionDetail d, boolean evidenceWithheld) {
            SubmissionRecord s = d.submission();
            return new SubmissionView(s.id(), s.kind().wire(), s.name(), s.filename(), s.status().wire(), s.attempt(),
                    s.precheck(), s.blob(), s.size(), s.sha256(), s.sourceUrl(), s.expectedSha256(),
                    s.hasSignature(), s.status().terminal(), s.createdAt().toString(), s.updatedAt().toString(),
                    s.submitter(), evidenceWithheld, d.stages().stream().map(StageView::of).toList(), d.history().stream().map(StatusView::of).toList());
        }
    }

    /** What one stage did in one attempt. */
    public record StageView(long seq, int attempt, String stage, String status, double durationMs,
                            List<FindingView> findings, Map<String, String> details, String service,
                            String recordedAt) {
        static StageView of(RegistryEvent.StageEvent e) {
            var r = e.result();
            return new StageView(e.seq(), e.attempt(), r.stage(), r.status().name(), r.durationMicros() / 1000.0,
                    r.findings().stream().map(FindingView::of).toList(), r.details(), e.service(), e.at().toString());
        }
    }

    /** A finding; its evidence is left out where it was withheld from the reader (a submitter). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record FindingView(String rule, String severity, String stage, String location, String message,
                              String evidence) {
        static FindingView of(Finding f) {
            return new FindingView(f.rule(), f.severity().name(), f.stage(), f.location(), f.message(), f.evidence());
        }
    }

    /** A page of the findings of one attempt, worst first. */
    public record FindingsView(String submissionId, int attempt, long total, int limit, int offset,
                               boolean evidenceWithheld, List<FoundView> items) {
        static FindingsView of(FindingsPage p, boolean evidenceWithheld) {
            return new FindingsView(p.submissionId(), p.attempt(), p.total(), p.limit(), p.offset(), evidenceWithheld,
                    p.items().stream().map(FoundView::of).toList());
        }
    }

    /** A finding with the stage record it came from ({@code stageSeq}). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record FoundView(long stageSeq, String stage, String rule, String severity, String location,
                            String message, String evidence) {
        static FoundView of(FindingsPage.Found f) {
            Finding x = f.finding();
            return new FoundView(f.stageSeq(), f.stage(), x.rule(), x.severity().name(), x.location(), x.message(),
                    x.evidence());
        }
    }

    /** The submission entered {@code status} in {@code attempt}, asked by {@code actor}. */
    public record StatusView(long seq, int attempt, String status, String reason, String actor, String at) {
        static StatusView of(RegistryEvent.StatusEvent e) {
            return new StatusView(e.seq(), e.attempt(), e.status().wire(), e.reason(), e.actor(), e.at().toString());
        }
    }
}
