package io.airlock.registry.evaluation.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.airlock.registry.evaluation.service.CaseOutcome;
import io.airlock.registry.evaluation.service.Condition;
import io.airlock.registry.evaluation.service.EvaluationPage;
import io.airlock.registry.evaluation.service.EvaluationStatus;
import io.airlock.registry.evaluation.service.RunDetail;
import io.airlock.registry.evaluation.service.RunSummary;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** JSON shapes of the evaluations API (docs/CONFORMANCE.md). Absent values are left out, never faked. */
public final class EvaluationViews {
    private EvaluationViews() {
    }

    /** One page of live evaluations by name; {@code total} counts them all. */
    public record PageView(long total, int limit, int offset, List<StatusView> items) {
        static PageView of(EvaluationPage p) {
            return new PageView(p.total(), p.limit(), p.offset(), p.items().stream().map(StatusView::of).toList());
        }
    }

    /** The corpus: a builtin name or file:&lt;name&gt;, and the digest it is pinned to (absent: not pinned). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CorpusView(String ref, String digest) {
    }

    /**
     * An evaluation and its status. {@code lastResult} is {@code history[0]}; {@code corpusDigestNow}
     * is the pinned digest, or else the newest one any run reported for this corpus.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StatusView(String name, String model, CorpusView corpus, String schedule, boolean failModelOnDrift,
                             double maxAttackSuccessRate, String phase, List<Condition> conditions, RunView lastResult,
                             List<RunView> history, String corpusDigestNow, RunView inFlight, String nextRunAt,
                             boolean modelHeld, String createdAt, String createdBy, String deletedAt) {
        static StatusView of(EvaluationStatus s) {
            return new StatusView(s.name(), s.modelId(), new CorpusView(s.corpusRef(),
                    s.corpusDigest().isEmpty() ? null : s.corpusDigest()),
                    s.schedule().isEmpty() ? null : s.schedule(), s.failModelOnDrift(), s.maxAttackSuccessRate(),
                    s.phase().name(), s.conditions(), s.lastResult().map(RunView::of).orElse(null),
                    s.history().stream().map(RunView::of).toList(), s.corpusDigestNow().orElse(null),
                    s.inFlight().map(RunView::of).orElse(null), text(s.nextRunAt()), s.degradesModel(),
                    s.createdAt().toString(), s.createdBy(), text(s.deletedAt()));
        }
    }

    /**
     * A run's summary. {@code state}: queued, completed or error; {@code passed} is true only for a
     * completed run within policy; {@code error} says why a run did not run.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunView(String runId, String trigger, String state, String requestedAt, String requestedBy,
                          String startedAt, String finishedAt, String executionProvider, String corpusName,
                          String corpusDigest, int cases, int failed, int attacks, int determined, int flagged,
                          int undetermined, double attackSuccessRate, double maxAttackSuccessRate, boolean passed,
                          String error) {
        static RunView of(RunSummary r) {
            return new RunView(r.runId(), r.trigger(), r.state(), r.requestedAt().toString(), r.requestedBy(),
                    text(r.startedAt()), text(r.finishedAt()), blank(r.executionProvider()), blank(r.corpusName()),
                    blank(r.corpusDigest()), r.cases(), r.failed(), r.attacks(), r.determined(), r.flagged(),
                    r.undetermined(), r.attackSuccessRate(), r.maxAttackSuccessRate(), r.passed(), blank(r.error()));
        }
    }

    /** One run with its case-by-case results (corpus order) and what ran it. */
    public record RunDetailView(String evaluation, RunView run, List<CaseOutcome> cases, Map<String, String> details) {
        static RunDetailView of(RunDetail d) {
            return new RunDetailView(d.evaluation(), RunView.of(d.summary()), d.cases(), d.details());
        }
    }

    private static String text(Optional<Instant> t) {
        return t.map(Instant::toString).orElse(null);
    }

    private static String blank(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
