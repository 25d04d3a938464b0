package io.airlock.registry.evaluation.service;

import io.airlock.registry.common.RegistryException;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The result of a run as reported: by the evaluator (RecordConformanceRun), or by the registry
 * itself when a run could not happen (enqueue failure, dead letter, timeout, model withdrawn).
 * Bounded here, before anything is stored.
 */
public record RunOutcome(String runId, boolean completed, String error, Optional<Instant> startedAt, Instant finishedAt,
                         String executionProvider, String corpusName, String corpusDigest, int attacks, int determined,
                         int flagged, int undetermined, int failed, List<CaseOutcome> cases, Map<String, String> details,
                         String actor) {
    public static final int MAX_CASES = 20_000;
    public static final int MAX_DETAILS = 64;
    static final Pattern RUN_ID = Pattern.compile("[0-9a-f-]{36}");

    public RunOutcome {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw RegistryException.invalid("run_id must be a run id the registry issued, got '" + clip(runId, 64) + "'");
        }
        if (attacks < 0 || determined < 0 || flagged < 0 || undetermined < 0 || failed < 0
                || determined > attacks || flagged > determined) {
            throw RegistryException.invalid("run " + runId + ": counts must be >= 0 with flagged <= determined <= attacks");
        }
        if (cases.size() > MAX_CASES) {
            throw RegistryException.invalid("run " + runId + ": " + cases.size() + " cases, at most " + MAX_CASES);
        }
        if (details.size() > MAX_DETAILS) {
            throw RegistryException.invalid("run " + runId + ": " + details.size() + " details, at most " + MAX_DETAILS);
        }
        if (!completed && (error == null || error.isBlank())) {
            throw RegistryException.invalid("run " + runId + ": a run that did not complete must say why (error)");
        }
        error = clip(error, 2000);
        executionProvider = clip(executionProvider, 64);
        corpusName = clip(corpusName, 128);
        corpusDigest = clip(corpusDigest, 80);
        actor = clip(actor, 128);
        cases = cases.stream().map(c -> new CaseOutcome(clip(c.caseId(), 128), clip(c.category(), 64),
                clip(c.severity(), 16), clip(c.expected(), 32), clip(c.actual(), 32), clip(c.verdict(), 16),
                clip(c.reason(), 64), c.flagged(), clip(c.excerpt(), 400))).toList();
        details = Map.copyOf(details.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                e -> clip(e.getKey(), 64), e -> clip(e.getValue(), 500), (a, b) -> a)));
    }

    /** A run that did not happen, decided by the registry. */
    public static RunOutcome notRun(String runId, String error, Instant at, String actor) {
        return new RunOutcome(runId, false, error, Optional.empty(), at, "none", "", "", 0, 0, 0, 0, 0, List.of(),
                Map.of(), actor);
    }

    /** flagged / determined; 0 when nothing was determined (such a run does not pass, see EvaluationService). */
    public double attackSuccessRate() {
        return determined == 0 ? 0 : (double) flagged / determined;
    }

    static String clip(String s, int n) {
        if (s == null) {
            return "";
        }
        return s.length() > n ? s.substring(0, n) + "..." : s;
    }
}
