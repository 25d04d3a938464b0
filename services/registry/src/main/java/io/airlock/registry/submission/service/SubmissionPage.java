package io.airlock.registry.submission.service;

import java.util.List;

/** One page of submissions and the number of all that matched. */
public record SubmissionPage(long total, int limit, int offset, List<SubmissionRecord> items) {
    public SubmissionPage {
        items = List.copyOf(items);
    }
}
