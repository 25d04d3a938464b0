package io.airlock.registry.submission.service;

import io.airlock.contracts.Finding;

import java.util.List;

/** A page of the findings of one attempt, worst first, and how many matched. */
public record FindingsPage(String submissionId, int attempt, long total, int limit, int offset, List<Found> items) {
    public FindingsPage {
        items = List.copyOf(items);
    }

    /** The same page with every finding's evidence removed, for callers who may not see it. */
    public FindingsPage withoutEvidence() {
        return new FindingsPage(submissionId, attempt, total, limit, offset, items.stream()
                .map(f -> new Found(f.stageSeq(), f.stage(), f.finding().withoutEvidence())).toList());
    }

    /** A finding and the stage record it came from. */
    public record Found(long stageSeq, String stage, Finding finding) {
    }
}
