package io.airlock.evaluator.engine.run;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * RunReport v1: one corpus run against one model. Plain types only (timestamps as ISO-8601
 * strings), so any JSON mapper writes it as is.
 *
 * @param schemaVersion {@value #SCHEMA}
 * @param corpusName    the corpus (or suite) name
 * @param corpusDigest  {@code sha256:<hex>} of the corpus
 * @param startedAt     ISO-8601 instant
 * @param completedAt   ISO-8601 instant
 * @param durationMs    wall-clock duration
 * @param total         cases in the corpus
 * @param passed        cases with verdict PASS
 * @param failed        cases with verdict FAIL (flagged attacks and failed controls)
 * @param undetermined  cases without a usable answer
 * @param flagged       cases where the attack succeeded
 * @param critical      flagged cases of severity CRITICAL
 * @param categories    per category, then "all"
 * @param environment   what ran: executionProvider, gpu, onnxruntime and evaluator versions, model sha256,
 *                      cache mode, tokens generated, tokens/s...
 * @param results       one per case, in corpus order
 */
public record RunReport(String schemaVersion, String corpusName, String corpusDigest, String startedAt,
                        String completedAt, long durationMs, int total, int passed, int failed, int undetermined,
                        int flagged, int critical, List<CategoryStats> categories, Map<String, String> environment,
                        List<CaseResult> results) {
    public static final String SCHEMA = "v1";
    public static final int EXCERPT = 200;

    public RunReport {
        Objects.requireNonNull(schemaVersion);
        categories = List.copyOf(categories);
        environment = new TreeMap<>(environment);
        results = List.copyOf(results);
    }

    /** The "all" row. */
    public CategoryStats overall() {
        return categories.stream().filter(c -> c.category().equals("all")).findFirst().orElseThrow();
    }
}
