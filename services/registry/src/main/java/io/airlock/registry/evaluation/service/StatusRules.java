package io.airlock.registry.evaluation.service;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The status of an evaluation derived from its runs; pure, so every transition is tested without a
 * database. Rules:
 * <ul>
 * <li>phase: Pending without a finished run, Ready when the newest finished run passed, Degraded
 *     otherwise (failed beyond policy, inconclusive, or not run).</li>
 * <li>ConformanceDrift compares the two newest <em>completed</em> runs: True while the newest failed
 *     beyond policy; the reason says whether the model changed (same corpus digest as the previous
 *     run), the corpus changed (another digest), it failed on its first run, or is still failing.
 *     A run that could not run (error) measures nothing and leaves drift as it was.</li>
 * <li>The model is held out of the serving list exactly while failModelOnDrift is set and the newest
 *     completed run failed: an evaluator outage neither removes nor restores a model.</li>
 * </ul>
 */
public final class StatusRules {
    private StatusRules() {
    }

    /** What the rules decided. */
    public record Derived(Phase phase, List<Condition> conditions, boolean degradesModel) {
    }

    /**
     * @param before    the conditions as stored, for lastTransitionTime
     * @param last      the newest finished run (completed or error)
     * @param completed the newest completed runs, newest first (two are looked at)
     * @param inFlight  the run waiting for its result
     */
    public static Derived derive(List<Condition> before, Optional<RunSummary> last, List<RunSummary> completed,
                                 Optional<RunSummary> inFlight, boolean failModelOnDrift, Instant now) {
        Phase phase = last.isEmpty() ? Phase.Pending : last.get().passed() ? Phase.Ready : Phase.Degraded;
        String lastWhy = last.map(StatusRules::why).orElse("");

        Condition ready = switch (phase) {
            case Pending -> c(Condition.READY, false, "NoRunYet", "no run has finished yet");
            case Ready -> c(Condition.READY, true, "Passed", lastWhy);
            case Degraded -> c(Condition.READY, false, failReason(last.get()), lastWhy);
        };
        Condition progressing = inFlight.map(r -> c(Condition.PROGRESSING, true, "RunQueued",
                        "run " + r.runId() + " (" + r.trigger() + ") queued at " + r.requestedAt()))
                .orElseGet(() -> c(Condition.PROGRESSING, false, "Idle", "no run in flight"));
        Condition degraded = phase == Phase.Degraded
                ? c(Condition.DEGRADED, true, failReason(last.get()), lastWhy)
                : c(Condition.DEGRADED, false, phase == Phase.Ready ? "Passed" : "NoRunYet",
                phase == Phase.Ready ? lastWhy : "no run has finished yet");
        Condition drift = drift(completed);

        List<Condition> now1 = List.of(ready, progressing, degraded, drift).stream()
                .map(x -> keepTransitionTime(x, before, now)).toList();
        boolean degrades = failModelOnDrift && !completed.isEmpty() && !completed.get(0).passed();
        return new Derived(phase, now1, degrades);
    }

    private static Condition drift(List<RunSummary> completed) {
        if (completed.isEmpty()) {
            return c(Condition.DRIFT, false, "NoResult", "no run has completed yet");
        }
        RunSummary newest = completed.get(0);
        Optional<RunSummary> previous = completed.size() > 1 ? Optional.of(completed.get(1)) : Optional.empty();
        String change = previous.map(p -> p.corpusDigest().equals(newest.corpusDigest())
                ? "model changed: same corpus digest " + newest.corpusDigest() + " as run " + p.runId()
                : "corpus changed: " + p.corpusDigest() + " in run " + p.runId() + ", " + newest.corpusDigest() + " now")
                .orElse("");
        boolean sameCorpus = previous.map(p -> p.corpusDigest().equals(newest.corpusDigest())).orElse(true);
        if (newest.passed()) {
            if (previous.isPresent() && !previous.get().passed()) {
                return c(Condition.DRIFT, false, "Recovered", "passes again (" + why(newest) + "); " + change);
            }
            return c(Condition.DRIFT, false, "WithinPolicy", why(newest));
        }
        if (previous.isEmpty()) {
            return c(Condition.DRIFT, true, "FailedFirstRun", why(newest));
        }
        if (previous.get().passed()) {
            return c(Condition.DRIFT, true, sameCorpus ? "ModelChanged" : "CorpusChanged", why(newest) + "; " + change);
        }
        return c(Condition.DRIFT, true, "StillFailing", why(newest) + "; " + change);
    }

    private static String failReason(RunSummary r) {
        if (!r.completed()) {
            return "RunError";
        }
        return r.determined() == 0 ? "Inconclusive" : "AttackSuccessRateAbovePolicy";
    }

    /** One line on what a run measured against its policy. */
    static String why(RunSummary r) {
        if (!r.completed()) {
            return "run " + r.runId() + " did not run: " + r.error();
        }
        if (r.determined() == 0) {
            return "run " + r.runId() + ": no attack case of " + r.cases() + " had a usable answer";
        }
        return String.format(Locale.ROOT, "run %s: attack success rate %.4f (%d of %d attacks) %s policy %.4f",
                r.runId(), r.attackSuccessRate(), r.flagged(), r.determined(), r.passed() ? "within" : "above",
                r.maxAttackSuccessRate());
    }

    private static Condition c(String type, boolean status, String reason, String message) {
        return new Condition(type, status ? "True" : "False", reason, message, "");
    }

    private static Condition keepTransitionTime(Condition c, List<Condition> before, Instant now) {
        String at = before.stream().filter(b -> b.type().equals(c.type()) && b.status().equals(c.status()))
                .map(Condition::lastTransitionTime).filter(t -> t != null && !t.isEmpty()).findFirst()
                .orElse(now.toString());
        return new Condition(c.type(), c.status(), c.reason(), c.message(), at);
    }
}
