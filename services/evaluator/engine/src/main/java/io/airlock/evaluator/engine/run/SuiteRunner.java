package io.airlock.evaluator.engine.run;

import io.airlock.contracts.Severity;
import io.airlock.evaluator.engine.Progress;
import io.airlock.evaluator.engine.corpus.Corpus;
import io.airlock.evaluator.engine.corpus.CorpusCase;
import io.airlock.evaluator.engine.judge.Detectors;
import io.airlock.evaluator.engine.judge.Judge;
import io.airlock.evaluator.engine.judge.Verdict;
import io.airlock.evaluator.engine.pkg.ModelConfig;
import io.airlock.evaluator.engine.runtime.Generation;
import io.airlock.evaluator.engine.runtime.Generator;
import io.airlock.evaluator.engine.runtime.TextTokenizer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs every case of a corpus against one model, in order, and judges each answer. Cases left
 * when the run's time limit is reached are recorded as not started (undetermined), never skipped
 * silently.
 */
public final class SuiteRunner {
    private SuiteRunner() {
    }

    /**
     * Limits of one run.
     *
     * @param maxNewTokens     evaluator cap on generated tokens per case (the package's own cap applies too)
     * @param perPromptNanos   wall-clock limit per case
     * @param runDeadlineNanos {@link System#nanoTime()} at which the run stops
     * @param useCache         use the key/value cache when the model has one
     * @param maxConsecutiveTimeouts the run stops after this many cases in a row hit the per-prompt limit
     * @param maxStepOutputBytes     bytes one decoding step may return
     */
    public record Settings(int maxNewTokens, long perPromptNanos, long runDeadlineNanos, boolean useCache,
                           int maxConsecutiveTimeouts, long maxStepOutputBytes) {
    }

    /** Environment key set when the run stopped before its cases were done: the reason. */
    public static final String STOPPED = "stoppedEarly";
    /** Environment key set with {@link #STOPPED}: the finding's rule. */
    public static final String STOPPED_RULE = "stoppedEarlyRule";

    /**
     * Runs {@code corpus}; {@code environment} goes into the report as it is, plus throughput figures.
     * The run stops early, saying why under {@link #STOPPED}, after {@code maxConsecutiveTimeouts}
     * cases in a row timed out (a model that loops on every prompt would otherwise hold the evaluator
     * until the whole-run limit) or at the first step whose outputs break their bound.
     */
    public static RunReport run(Corpus corpus, ModelConfig cfg, TextTokenizer tok, Generator gen, Settings s,
                                Map<String, String> environment, Progress progress) {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        List<CaseResult> results = new ArrayList<>();
        long tokens = 0;
        long genNanos = 0;
        List<Long> latencies = new ArrayList<>();
        Map<String, Integer> stops = new LinkedHashMap<>();
        int maxNew = Math.min(s.maxNewTokens(), cfg.maxNewTokens());
        int timeoutsInARow = 0;
        String stopped = null;
        String stoppedRule = null;
        int index = 0;
        for (CorpusCase c : corpus.cases()) {
            index++;
            long c0 = System.nanoTime();
            if (stopped != null || c0 - s.runDeadlineNanos() >= 0) {
                results.add(result(c, Judge.judge(c, "", null), "not_started", "", "", 0, 0, 0));
                stops.merge("not_started", 1, Integer::sum);
                continue;
            }
            progress.reached(Progress.Step.CASE, index + "/" + corpus.cases().size() + " " + c.id());
            String answer = "";
            Generation g;
            int[] ids;
            try {
                ids = tok.encode(cfg.render(c.system(), c.sent()));
                g = gen.generate(ids, new Generator.Limits(maxNew, cfg.contextLength(), cfg.eosTokenId(),
                        s.perPromptNanos(), s.runDeadlineNanos(), s.useCache(), s.maxStepOutputBytes()));
                answer = tok.decode(g.tokens());
            } catch (RuntimeException e) {
                // a tokenizer failure on this case's text: the case is undetermined, the run goes on
                g = new Generation(new int[0], Generation.StopReason.ERROR, 0, 0, 0, 0, e.toString());
            }
            Judge.Judgement j = Judge.judge(c, answer, g.stop());
            String actual = actual(g, answer);
            long ms = (System.nanoTime() - c0) / 1_000_000;
            results.add(result(c, j, actual, answer, g.stop().wire() + (g.error().isEmpty() ? "" : ": " + g.error()),
                    g.promptTokens(), g.tokens().length, ms));
            stops.merge(g.stop().wire(), 1, Integer::sum);
            timeoutsInARow = g.stop() == Generation.StopReason.TIMEOUT ? timeoutsInARow + 1 : 0;
            if (timeoutsInARow >= s.maxConsecutiveTimeouts()) {
                stopped = "stopped after " + timeoutsInARow + " consecutive cases hit the per-prompt limit of "
                        + s.perPromptNanos() / 1_000_000 + " ms (the last: " + c.id() + ")";
                stoppedRule = "eval.timeouts_in_a_row";
            } else if (g.stop() == Generation.StopReason.OUTPUT_BOUND) {
                stopped = "stopped at case " + c.id() + ": " + g.error();
                stoppedRule = "eval.output_bound";
            }
            tokens += g.tokens().length;
            genNanos += g.totalNanos();
            latencies.add(g.totalNanos());
        }
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("tokensGenerated", Long.toString(tokens));
        env.put("tokensPerSecond", genNanos == 0 ? "0" : String.format(Locale.ROOT, "%.1f", tokens * 1e9 / genNanos));
        env.put("promptsPerSecond", genNanos == 0 ? "0"
                : String.format(Locale.ROOT, "%.2f", latencies.size() * 1e9 / genNanos));
        env.put("promptLatencyMs", latency(latencies));
        env.put("stops", stops.toString().replaceAll("[{}]", ""));
        env.put("maxNewTokens", Integer.toString(maxNew));
        if (stopped != null) {
            env.put(STOPPED, stopped);
            env.put(STOPPED_RULE, stoppedRule);
        }
        long dur = (System.nanoTime() - t0) / 1_000_000;
        int passed = count(results, Verdict.PASS);
        int failed = count(results, Verdict.FAIL);
        int undetermined = count(results, Verdict.UNDETERMINED);
        int flagged = (int) results.stream().filter(CaseResult::flagged).count();
        int critical = (int) results.stream().filter(r -> r.flagged() && r.severity().equals(Severity.CRITICAL.name())).count();
        return new RunReport(RunReport.SCHEMA, corpus.name(), corpus.digest(), started.toString(),
                started.plusMillis(dur).toString(), dur, results.size(), passed, failed, undetermined, flagged, critical,
                categories(corpus, results), env, results);
    }

    private static String actual(Generation g, String answer) {
        if (g.stop() == Generation.StopReason.ERROR) {
            return "error";
        }
        if (answer.isBlank()) {
            return g.interrupted() ? "timed_out" : "empty";
        }
        return Detectors.refusal(answer).refused() ? "refused" : "answered";
    }

    private static CaseResult result(CorpusCase c, Judge.Judgement j, String actual, String answer, String stop,
                                     int promptTokens, int answerTokens, long ms) {
        String excerpt = answer.length() > RunReport.EXCERPT ? answer.substring(0, RunReport.EXCERPT) : answer;
        return new CaseResult(c.id(), c.category(), c.severity().name(), c.expected().wire(), actual, j.verdict(),
                j.reason(), j.detail(), j.flagged(), excerpt, stop, promptTokens, answerTokens, ms);
    }

    private static int count(List<CaseResult> rs, Verdict v) {
        return (int) rs.stream().filter(r -> r.verdict() == v).count();
    }

    /** Per category in first-seen order, then "all". */
    static List<CategoryStats> categories(Corpus corpus, List<CaseResult> results) {
        Map<String, List<CaseResult>> by = new LinkedHashMap<>();
        for (CaseResult r : results) {
            by.computeIfAbsent(r.category(), k -> new ArrayList<>()).add(r);
        }
        List<CategoryStats> out = new ArrayList<>();
        by.forEach((k, v) -> out.add(stats(k, v)));
        out.add(stats("all", results));
        return out;
    }

    private static CategoryStats stats(String category, List<CaseResult> rs) {
        int attacks = 0;
        int determined = 0;
        int flagged = 0;
        int undetermined = 0;
        int controls = 0;
        int controlsFailed = 0;
        for (CaseResult r : rs) {
            if (r.expected().equals("comply")) {
                controls++;
                if (r.verdict() == Verdict.FAIL) {
                    controlsFailed++;
                }
                continue;
            }
            attacks++;
            if (r.verdict() == Verdict.UNDETERMINED) {
                undetermined++;
                continue;
            }
            determined++;
            if (r.flagged()) {
                flagged++;
            }
        }
        double[] ci = CategoryStats.wilson(flagged, determined);
        return new CategoryStats(category, attacks, determined, flagged, undetermined, controls, controlsFailed,
                determined == 0 ? 0 : (double) flagged / determined, ci[0], ci[1]);
    }

    private static String latency(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return "none";
        }
        long[] s = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format(Locale.ROOT, "p50 %.1f, p95 %.1f, max %.1f", s[s.length / 2] / 1e6,
                s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.95) - 1)] / 1e6, s[s.length - 1] / 1e6);
    }
}
