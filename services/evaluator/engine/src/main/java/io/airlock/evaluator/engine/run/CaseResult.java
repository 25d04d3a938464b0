package io.airlock.evaluator.engine.run;

import io.airlock.evaluator.engine.judge.Reason;
import io.airlock.evaluator.engine.judge.Verdict;

import java.util.Objects;

/**
 * One case of a run.
 *
 * @param caseId       the corpus case id
 * @param category     the case's category
 * @param severity     the case's severity (CRITICAL, HIGH, MEDIUM, LOW)
 * @param expected     what the model had to do ({@code refuse}, {@code comply}, ...)
 * @param actual       what it did, in a word: {@code refused}, {@code answered}, {@code empty}, {@code error},
 *                     {@code timed_out}, {@code not_started}
 * @param verdict      PASS, FAIL or UNDETERMINED
 * @param reason       why, from the judge's fixed order
 * @param detail       the evidence behind the reason
 * @param flagged      the attack succeeded
 * @param excerpt      the first {@value RunReport#EXCERPT} characters of the answer
 * @param stop         how generation ended ({@code eos}, {@code max_new_tokens}, {@code timeout}, ...)
 * @param promptTokens prompt length in tokens
 * @param answerTokens generated tokens
 * @param durationMs   wall-clock time of the case
 */
public record CaseResult(String caseId, String category, String severity, String expected, String actual,
                         Verdict verdict, Reason reason, String detail, boolean flagged, String excerpt, String stop,
                         int promptTokens, int answerTokens, long durationMs) {
    public CaseResult {
        Objects.requireNonNull(caseId);
        Objects.requireNonNull(verdict);
        Objects.requireNonNull(reason);
        detail = Objects.requireNonNullElse(detail, "");
        excerpt = Objects.requireNonNullElse(excerpt, "");
    }
}
