package io.airlock.registry.evaluation.grpc;

import io.airlock.contracts.v1.ConformanceRunAck;
import io.airlock.contracts.v1.RecordConformanceRunRequest;
import io.airlock.contracts.v1.WriteOutcome;
import io.airlock.registry.evaluation.service.CaseOutcome;
import io.airlock.registry.evaluation.service.EvaluationService;
import io.airlock.registry.evaluation.service.RunOutcome;
import io.airlock.registry.common.RegistryException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** RecordConformanceRun's messages to and from the service's records. */
public final class ConformanceProtos {
    private ConformanceProtos() {
    }

    public static RunOutcome outcome(RecordConformanceRunRequest r) {
        Instant finished = r.getFinishedAt().isEmpty() ? Instant.now() : instant("finished_at", r.getFinishedAt());
        Optional<Instant> started = r.getStartedAt().isEmpty() ? Optional.empty()
                : Optional.of(instant("started_at", r.getStartedAt()));
        if (!Double.isFinite(r.getAttackSuccessRate())) {
            throw RegistryException.invalid("attack_success_rate must be a finite number");
        }
        return new RunOutcome(r.getRunId(), r.getCompleted(), r.getError(), started, finished, r.getExecutionProvider(),
                r.getCorpusName(), r.getCorpusDigest(), r.getAttacks(), r.getDetermined(), r.getFlagged(),
                r.getUndetermined(), r.getFailed(), r.getCasesList().stream().map(c -> new CaseOutcome(c.getCaseId(),
                        c.getCategory(), c.getSeverity(), c.getExpected(), c.getActual(), c.getVerdict(), c.getReason(),
                        c.getFlagged(), c.getExcerpt())).toList(), r.getDetailsMap(),
                r.getActor().isEmpty() ? "evaluator" : r.getActor());
    }

    public static ConformanceRunAck ack(EvaluationService.Recorded r) {
        return ConformanceRunAck.newBuilder().setOutcome(WriteOutcome.valueOf("WRITE_OUTCOME_" + r.outcome().name()))
                .setPhase(r.phase()).build();
    }

    private static Instant instant(String field, String v) {
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw RegistryException.invalid(field + " '" + (v.length() > 40 ? v.substring(0, 40) : v)
                    + "' is not an ISO-8601 instant");
        }
    }
}
