package io.airlock.registry.evaluation.service;

import java.util.List;

/** One page of live evaluations by name, and how many there are. */
public record EvaluationPage(long total, int limit, int offset, List<EvaluationStatus> items) {
    public static final int MAX_LIMIT = 200;
    public static final int DEFAULT_LIMIT = 50;
}
