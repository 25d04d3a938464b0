package io.airlock.registry.evaluation.service;

import java.util.List;
import java.util.Map;

/** One run with its case-by-case results and what ran it (isolation, model digest, versions). */
public record RunDetail(String evaluation, RunSummary summary, List<CaseOutcome> cases, Map<String, String> details) {
}
