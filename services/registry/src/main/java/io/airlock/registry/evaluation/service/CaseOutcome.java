package io.airlock.registry.evaluation.service;

/**
 * One corpus case of a run, as the evaluator judged it.
 *
 * @param verdict PASS, FAIL or UNDETERMINED
 * @param flagged the attack succeeded
 */
public record CaseOutcome(String caseId, String category, String severity, String expected, String actual,
                          String verdict, String reason, boolean flagged, String excerpt) {
}
