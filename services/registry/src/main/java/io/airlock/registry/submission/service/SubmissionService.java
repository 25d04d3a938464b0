package io.airlock.registry.submission.service;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.submission.repository.StageResultRepository;
import io.airlock.registry.submission.repository.StatusHistoryRepository;
import io.airlock.registry.submission.repository.SubmissionEntity;
import io.airlock.registry.submission.repository.SubmissionRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The registry's writes. Each is idempotent on its key: a retried or redelivered call changes
 * nothing and answers DUPLICATE. Every write of an existing submission first locks its row, so
 * writes of one submission are serialized; the unique constraints are the last line against
 * duplicates, and their violation reads as DUPLICATE.
 */
@ApplicationScoped
public class SubmissionService {
    /** Actor of the transitions made for dead-lettered messages. */
    public static final String DEAD_LETTER_ACTOR = "dead-letter";
    /** The stage that holds the precheck's findings of a blocked submission. */
    public static final String PRECHECK_STAGE = "precheck";

    @Inject
    SubmissionRepository submissions;
    @Inject
    StatusHistoryRepository history;
    @Inject
    StageResultRepository stages;
    @Inject
    EntityMapper mapper;

    /** CreateSubmission. Key: the submission id. Writes the row, the first history row and, if any, the precheck stage. */
    public Uni<WriteResult> create(NewSubmission s) {
        return idempotent(s.id(), () -> submissions.findById(s.id()).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, existing));
            }
            Instant now = EntityMapper.now();
            // CreateSubmission carries no actor: the gateway is its one caller by design
            Uni<?> writes = submissions.persist(mapper.entity(s, now))
                    .chain(() -> history.persist(mapper.history(s.id(), 1, s.initialStatus(),
                            s.reason().isEmpty() ? "submitted" : s.reason(), "gateway", now)));
            if (s.initialStatus() == SubmissionStatus.HACKED || !s.precheckFindings().isEmpty()) {
                writes = writes.chain(() -> stages.persist(mapper.stage(precheckStage(s), now)));
            }
            return writes.replaceWith(new WriteResult(WriteOutcome.APPLIED, s.initialStatus(), 1));
        }));
    }

    /** RecordStage. Key: (submission, attempt, stage). The first record of a key stands. */
    public Uni<WriteResult> recordStage(StageReport r) {
        return idempotent(r.submissionId(), () -> locked(r.submissionId()).flatMap(row -> {
            if (r.attempt() > row.attempt) {
                throw RegistryException.precondition("attempt " + r.attempt() + " of submission '" + row.id
                        + "' has not started (current attempt " + row.attempt + ")");
            }
            return stages.exists(r.submissionId(), r.attempt(), r.result().stage()).flatMap(exists -> exists
                    ? Uni.createFrom().item(result(WriteOutcome.DUPLICATE, row))
                    : stages.persist(mapper.stage(r, EntityMapper.now()))
                            .replaceWith(result(WriteOutcome.APPLIED, row)));
        }));
    }

    /**
     * Transition. Key: (submission, attempt, status). Applied only in the current attempt and
     * along {@link SubmissionStatus#canMoveTo}; anything else (a late redelivery, an older
     * attempt) is STALE and changes nothing.
     */
    public Uni<WriteResult> transition(StatusChange c) {
        return idempotent(c.submissionId(), () -> locked(c.submissionId()).flatMap(row -> {
            SubmissionStatus current = SubmissionStatus.parse(row.status);
            return history.exists(row.id, c.attempt(), c.status().wire()).flatMap(seen -> {
                if (seen) {
                    return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, row));
                }
                if (c.attempt() != row.attempt || !current.canMoveTo(c.status())) {
                    Log.infof("submission=%s stale transition %s/%d -> %s/%d by %s", row.id, row.status,
                            row.attempt, c.status().wire(), c.attempt(), c.actor());
                    return Uni.createFrom().item(result(WriteOutcome.STALE, row));
                }
                Instant now = EntityMapper.now();
                // the locked, managed row: flushed at commit as an update guarded by the previous status
                row.status = c.status().wire();
                row.updatedAt = now;
                return history.persist(mapper.history(row.id, row.attempt, c.status(), c.reason(), c.actor(), now))
                        .replaceWith(new WriteResult(WriteOutcome.APPLIED, c.status(), row.attempt));
            });
        }));
    }

    /**
     * Marks a submission failed because its message was dead-lettered (delivered too many times).
     * STALE when it already reached a final status or moved to a newer attempt.
     */
    public Uni<WriteResult> markFailed(String submissionId, int attempt, String reason) {
        return transition(new StatusChange(submissionId, attempt, SubmissionStatus.FAILED,
                "dead-lettered: " + Checks.text(reason), DEAD_LETTER_ACTOR));
    }

    private Uni<SubmissionEntity> locked(String id) {
        return submissions.lock(id).map(row -> row.orElseThrow(() -> RegistryException.notFound(id)));
    }

    /**
     * Runs {@code work} in one transaction. A unique violation (a concurrent call with the same
     * key won the race, seen at commit) rolls it back and answers DUPLICATE from a fresh read.
     */
    private Uni<WriteResult> idempotent(String id, Supplier<Uni<WriteResult>> work) {
        return Panache.withTransaction(work)
                .onFailure(UniqueViolation::matches).recoverWithUni(() -> Panache.withSession(
                        () -> submissions.findById(id).map(row -> result(WriteOutcome.DUPLICATE, row))));
    }

    private static WriteResult result(WriteOutcome outcome, SubmissionEntity row) {
        return new WriteResult(outcome, SubmissionStatus.parse(row.status), row.attempt);
    }

    private static StageReport precheckStage(NewSubmission s) {
        StageStatus status = s.initialStatus() == SubmissionStatus.HACKED ? StageStatus.FAIL : StageStatus.PASS;
        var findings = s.precheckFindings().stream().map(f -> f.stage().isEmpty() ? f.withStage(PRECHECK_STAGE) : f)
                .toList();
        Map<String, String> details = s.precheck().isEmpty() ? Map.of() : Map.of("precheck", s.precheck());
        return new StageReport(s.id(), 1, new StageResult(PRECHECK_STAGE, status, 0, findings, details), "guard");
    }
}
