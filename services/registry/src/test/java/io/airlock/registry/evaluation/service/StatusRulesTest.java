package io.airlock.registry.evaluation.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Phase, conditions and the model hold, from runs alone. */
class StatusRulesTest {
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);

    static RunSummary completed(String id, boolean passed, String digest) {
        return new RunSummary(id, "schedule", RunSummary.COMPLETED, T0, "scheduler", Optional.of(T0), Optional.of(T0),
                "CPU", "c", digest, 10, passed ? 0 : 3, 8, 8, passed ? 0 : 3, 0, passed ? 0 : 0.375, 0, passed, "");
    }

    static RunSummary error(String id) {
        return new RunSummary(id, "run-now", RunSummary.ERROR, T0, "op", Optional.empty(), Optional.of(T0), "none", "",
                "", 0, 0, 0, 0, 0, 0, 0, 0, false, "evaluator down");
    }

    static Condition cond(StatusRules.Derived d, String type) {
        return d.conditions().stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void pendingWithoutRuns() {
        StatusRules.Derived d = StatusRules.derive(List.of(), Optional.empty(), List.of(), Optional.empty(), true, T0);
        assertThat(d.phase()).isEqualTo(Phase.Pending);
        assertThat(d.conditions()).extracting(Condition::type)
                .containsExactly("Ready", "Progressing", "Degraded", "ConformanceDrift");
        assertThat(cond(d, "Ready").status()).isEqualTo("False");
        assertThat(cond(d, "ConformanceDrift").reason()).isEqualTo("NoResult");
        assertThat(d.degradesModel()).isFalse();
    }

    @Test
    void aQueuedRunIsProgressing() {
        StatusRules.Derived d = StatusRules.derive(List.of(), Optional.empty(), List.of(),
                Optional.of(error("r9")), false, T0);
        assertThat(cond(d, "Progressing").status()).isEqualTo("True");
        assertThat(cond(d, "Progressing").message()).contains("r9");
    }

    /** newest, previous (P pass, F fail, - none), same corpus digest -> phase, drift status and reason, model held. */
    @ParameterizedTest(name = "{0} after {1} (same corpus {2}) -> {3}, drift {4} {5}, held {6}")
    @CsvSource({
            "P, -, true,  Ready,    False, WithinPolicy,   false",
            "F, -, true,  Degraded, True,  FailedFirstRun, true",
            "F, P, true,  Degraded, True,  ModelChanged,   true",
            "F, P, false, Degraded, True,  CorpusChanged,  true",
            "F, F, true,  Degraded, True,  StillFailing,   true",
            "P, F, true,  Ready,    False, Recovered,      false",
            "P, F, false, Ready,    False, Recovered,      false",
            "P, P, false, Ready,    False, WithinPolicy,   false",
    })
    void driftComparesTheTwoNewestCompletedRuns(String newest, String previous, boolean sameCorpus, Phase phase,
                                                String drift, String reason, boolean held) {
        List<RunSummary> done = new ArrayList<>();
        done.add(completed("new", newest.equals("P"), sameCorpus ? D1 : D2));
        if (!previous.equals("-")) {
            done.add(completed("old", previous.equals("P"), D1));
        }
        StatusRules.Derived d = StatusRules.derive(List.of(), Optional.of(done.get(0)), done, Optional.empty(), true, T0);
        assertThat(d.phase()).isEqualTo(phase);
        assertThat(cond(d, "ConformanceDrift").status()).isEqualTo(drift);
        assertThat(cond(d, "ConformanceDrift").reason()).isEqualTo(reason);
        assertThat(cond(d, "Degraded").status()).isEqualTo(phase == Phase.Degraded ? "True" : "False");
        assertThat(d.degradesModel()).isEqualTo(held);
        if (reason.equals("CorpusChanged") || (reason.equals("Recovered") && !sameCorpus)) {
            assertThat(cond(d, "ConformanceDrift").message()).contains("corpus changed").contains(D1).contains(D2);
        }
        if (reason.equals("ModelChanged")) {
            assertThat(cond(d, "ConformanceDrift").message()).contains("model changed");
        }
    }

    @Test
    void withoutFailModelOnDriftTheModelIsNeverHeld() {
        List<RunSummary> done = List.of(completed("a", false, D1));
        assertThat(StatusRules.derive(List.of(), Optional.of(done.get(0)), done, Optional.empty(), false, T0)
                .degradesModel()).isFalse();
    }

    @Test
    void aRunThatDidNotRunIsDegradedButMeasuresNoDriftAndMovesNoModel() {
        List<RunSummary> done = List.of(completed("a", true, D1));
        StatusRules.Derived d = StatusRules.derive(List.of(), Optional.of(error("b")), done, Optional.empty(), true, T0);
        assertThat(d.phase()).isEqualTo(Phase.Degraded);
        assertThat(cond(d, "Degraded").reason()).isEqualTo("RunError");
        assertThat(cond(d, "Ready").message()).contains("evaluator down");
        assertThat(cond(d, "ConformanceDrift").status()).isEqualTo("False");
        assertThat(d.degradesModel()).isFalse();

        // and a model held by a failed run stays held through an error run
        List<RunSummary> failed = List.of(completed("a", false, D1));
        assertThat(StatusRules.derive(List.of(), Optional.of(error("b")), failed, Optional.empty(), true, T0)
                .degradesModel()).isTrue();
    }

    @Test
    void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
        List<RunSummary> pass = List.of(completed("a", true, D1));
        StatusRules.Derived first = StatusRules.derive(List.of(), Optional.of(pass.get(0)), pass, Optional.empty(), true, T0);
        Instant later = T0.plusSeconds(3600);
        List<RunSummary> pass2 = List.of(completed("b", true, D1), pass.get(0));
        StatusRules.Derived same = StatusRules.derive(first.conditions(), Optional.of(pass2.get(0)), pass2,
                Optional.empty(), true, later);
        assertThat(cond(same, "Ready").lastTransitionTime()).isEqualTo(T0.toString());
        List<RunSummary> fail = List.of(completed("c", false, D1), pass2.get(0));
        StatusRules.Derived changed = StatusRules.derive(same.conditions(), Optional.of(fail.get(0)), fail,
                Optional.empty(), true, later);
        assertThat(cond(changed, "Ready").lastTransitionTime()).isEqualTo(later.toString());
    }
}
