package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;
import io.airlock.registry.common.UniqueViolation;
import io.airlock.registry.common.WriteOutcome;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.RegistryConfig;
import io.airlock.registry.audit.service.AuditActions;
import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.model.service.BlobCheck;
import io.airlock.registry.model.service.BlobVerifier;
import io.airlock.registry.model.service.ModelDraft;
import io.airlock.registry.model.service.ModelService;
import io.airlock.registry.model.service.StageSummary;
import io.airlock.registry.submission.repository.StageResultEntity;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The registry's writes. Each is idempotent on its key: a retried or redelivered call changes
 * nothing and answers DUPLICATE. Every write of an existing submission first locks its row, so
 * writes of one submission are serialized; the unique constraints are the last line against
 * duplicates, and their violation reads as DUPLICATE. Every applied write appends its audit entry
 * in the same transaction, as its last step (the chain head's lock is then held only to commit).
 */
@ApplicationScoped
public class SubmissionService {
    /** Actor of the transitions made for dead-lettered messages. */
    public static final String DEAD_LETTER_ACTOR = "dead-letter";
    /** Actor of what the registry decides itself (a refused promotion). */
    public static final String REGISTRY_ACTOR = "registry";
    /** The stage that holds the precheck's findings of a blocked submission. */
    public static final String PRECHECK_STAGE = "precheck";
    /** Stage detail keys that name the policy or rule set a stage ran under, first found wins per stage. */
    static final List<String> POLICY_KEYS = List.of("policyVersion", "ruleSetVersion", "rulesetVersion", "policy");

    @Inject
    SubmissionRepository submissions;
    @Inject
    StatusHistoryRepository history;
    @Inject
    StageResultRepository stages;
    @Inject
    EntityMapper mapper;
    @Inject
    AuditLog audit;
    @Inject
    ModelService models;
    @Inject
    BlobVerifier blobs;
    @Inject
    RegistryConfig config;
    @Inject
    io.airlock.access.InFlight inFlight;

    /**
     * CreateSubmission. Key: the submission id. Writes the row, the first history row and, if any, the precheck stage.
     * A submission created QUEUED (the gateway's one call per accepted submission) is recorded as the two steps it
     * took, in this one transaction: history and audit read received, then received -> queued, exactly as two
     * separate calls wrote them, so events and the audit chain do not depend on how it was recorded.
     */
    public Uni<WriteResult> create(NewSubmission s) {
        return idempotent(s.id(), () -> submissions.findById(s.id()).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, existing));
            }
            Instant now = EntityMapper.now();
            boolean queued = s.initialStatus() == SubmissionStatus.QUEUED;
            SubmissionStatus first = queued ? SubmissionStatus.RECEIVED : s.initialStatus();
            Uni<?> writes = submissions.persist(mapper.entity(s, now))
                    .chain(() -> history.persist(mapper.history(s.id(), 1, first,
                            s.reason().isEmpty() || queued ? "submitted" : s.reason(), s.actor(), now)));
            if (queued) {
                writes = writes.chain(() -> history.persist(mapper.history(s.id(), 1, SubmissionStatus.QUEUED,
                        queuedReason(s), s.actor(), now)));
            }
            if (s.initialStatus() == SubmissionStatus.HACKED || !s.precheckFindings().isEmpty()) {
                writes = writes.chain(() -> stages.persist(mapper.stage(precheckStage(s), now)));
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("kind", s.kind().wire());
            details.put("name", s.name());
            details.put("blob", s.blob());
            details.put("size", Long.toString(s.size()));
            details.put("status", first.wire());
            details.put("precheck", s.precheck());
            details.put("reason", s.reason());
            // the audit entry names the user the submission belongs to, whoever relayed it
            details.put("submitter", s.submitter());
            if (!s.precheckFindings().isEmpty()) {
                details.put("rules", rules(s.precheckFindings()));
            }
            String action = s.initialStatus() == SubmissionStatus.HACKED ? AuditActions.SUBMISSION_BLOCK
                    : AuditActions.SUBMISSION_CREATE;
            Uni<?> audited = writes.chain(() -> audit.append(s.actor(), action, AuditActions.submission(s.id()), details));
            if (queued) {
                audited = audited.chain(() -> audit.append(s.actor(), AuditActions.SUBMISSION_TRANSITION,
                        AuditActions.submission(s.id()), move(1, SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED,
                                queuedReason(s))));
            }
            return audited.replaceWith(new WriteResult(WriteOutcome.APPLIED, s.initialStatus(), 1));
        }));
    }

    private static String queuedReason(NewSubmission s) {
        return s.reason().isEmpty() ? "accepted" : s.reason();
    }

    /** RecordStage. Key: (submission, attempt, stage). The first record of a key stands. */
    public Uni<WriteResult> recordStage(StageReport r) {
        return idempotent(r.submissionId(), () -> locked(r.submissionId()).flatMap(row -> {
            if (r.attempt() > row.attempt) {
                throw RegistryException.precondition("attempt " + r.attempt() + " of submission '" + row.id
                        + "' has not started (current attempt " + row.attempt + ")");
            }
            return stages.exists(r.submissionId(), r.attempt(), r.result().stage()).flatMap(exists -> {
                if (exists) {
                    return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, row));
                }
                Uni<?> write = stages.persist(mapper.stage(r, EntityMapper.now()));
                StageStatus status = r.result().status();
                // a stage that rejects (FAIL) or broke (ERROR) is a decision against the artifact: audited
                if (status == StageStatus.FAIL || status == StageStatus.ERROR) {
                    Map<String, String> details = new LinkedHashMap<>();
                    details.put("attempt", Integer.toString(r.attempt()));
                    details.put("stage", r.result().stage());
                    details.put("status", status.name());
                    details.put("rules", rules(r.result().findings()));
                    details.put("worstSeverity", worst(r.result().findings()));
                    String action = status == StageStatus.FAIL ? AuditActions.STAGE_REJECT : AuditActions.STAGE_ERROR;
                    write = write.chain(() -> audit.append(r.service().isEmpty() ? "unspecified" : r.service(),
                            action, AuditActions.submission(row.id), details));
                }
                return write.replaceWith(result(WriteOutcome.APPLIED, row));
            });
        }));
    }

    /**
     * Transition. Key: (submission, attempt, status). Applied only in the current attempt and
     * along {@link SubmissionStatus#canMoveTo}; anything else (a late redelivery, an older
     * attempt) is STALE and changes nothing. A move to PROMOTED first re-verifies the blob
     * ({@link #promote}).
     */
    public Uni<WriteResult> transition(StatusChange c) {
        if (c.status() == SubmissionStatus.PROMOTED) {
            return promote(c);
        }
        return idempotent(c.submissionId(), () -> locked(c.submissionId()).flatMap(row -> history
                .exists(row.id, c.attempt(), c.status().wire()).flatMap(seen -> {
                    if (seen) {
                        return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, row));
                    }
                    if (!legal(row, c)) {
                        return stale(row, c);
                    }
                    SubmissionStatus from = SubmissionStatus.parse(row.status);
                    Instant now = EntityMapper.now();
                    // the locked, managed row: flushed at commit as an update guarded by the previous status
                    row.status = c.status().wire();
                    row.updatedAt = now;
                    boolean deadLetter = DEAD_LETTER_ACTOR.equals(c.actor());
                    return history.persist(mapper.history(row.id, row.attempt, c.status(), c.reason(), c.actor(), now))
                            .chain(() -> audit.append(c.actor(), deadLetter ? AuditActions.SUBMISSION_DEAD_LETTER
                                    : AuditActions.SUBMISSION_TRANSITION, AuditActions.submission(row.id),
                                    move(row.attempt, from, c.status(), c.reason())))
                            .replaceWith(new WriteResult(WriteOutcome.APPLIED, c.status(), row.attempt));
                })));
    }

    /**
     * Promotion. The registry hashes the blob itself before committing (on a worker thread, outside
     * the transaction: a large model takes seconds and the row lock must not be held that long).
     * Then, in one transaction: the status, the history row, the model row and the audit entry.
     * Bytes that do not match the recorded digest are never promoted: the submission moves to
     * FAILED with the reason, and the caller gets STALE (the promotion was not applied) with status
     * "failed", so a worker acknowledges its message instead of retrying a decision that cannot change.
     */
    private Uni<WriteResult> promote(StatusChange c) {
        return Panache.withSession(() -> submissions.findById(c.submissionId())).flatMap(row -> {
            if (row == null) {
                throw RegistryException.notFound(c.submissionId());
            }
            // hash only when the promotion could apply; a duplicate or stale one is answered without reading GBs
            return legal(row, c) ? blobs.verify(row.blob, row.sha256.trim(), row.size, row.expectedSha256).map(Optional::of)
                    : Uni.createFrom().item(Optional.<BlobCheck>empty());
        }).flatMap(check -> idempotent(c.submissionId(), () -> locked(c.submissionId()).flatMap(row -> history
                .exists(row.id, c.attempt(), SubmissionStatus.PROMOTED.wire()).flatMap(seen -> {
                    if (seen) {
                        return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, row));
                    }
                    if (!legal(row, c)) {
                        return stale(row, c);
                    }
                    if (check.isEmpty()) {
                        // it became promotable between the read and the lock (not reachable by one worker)
                        throw RegistryException.precondition("submission '" + row.id
                                + "' changed while its promotion was being prepared; retry");
                    }
                    return check.get().matches() ? applyPromotion(row, c, check.get()) : refusePromotion(row, c, check.get());
                }))));
    }

    private Uni<WriteResult> applyPromotion(SubmissionEntity row, StatusChange c, BlobCheck check) {
        return stages.ofAttempt(row.id, row.attempt).flatMap(stageRows -> {
            Instant now = EntityMapper.now();
            SubmissionStatus from = SubmissionStatus.parse(row.status);
            row.status = SubmissionStatus.PROMOTED.wire();
            row.updatedAt = now;
            List<RegistryEvent.StageEvent> events = stageRows.stream().map(mapper::event).toList();
            String policy = policyVersion(events);
            ModelDraft draft = new ModelDraft(row.id, row.attempt, row.name, row.filename, row.blob, row.sha256.trim(),
                    row.size, now, c.actor(), check.at(), events.stream().map(SubmissionService::summary).toList(),
                    policy);
            return history.persist(mapper.history(row.id, row.attempt, SubmissionStatus.PROMOTED, c.reason(),
                            c.actor(), now))
                    .chain(() -> models.create(draft))
                    .flatMap(model -> {
                        Map<String, String> details = move(row.attempt, from, SubmissionStatus.PROMOTED, c.reason());
                        details.put("modelId", model.id());
                        details.put("sha256", model.sha256());
                        details.put("size", Long.toString(model.size()));
                        details.put("verified", "sha256 re-computed from the blob store at " + check.at());
                        details.put("policyVersion", policy);
                        return audit.append(c.actor(), AuditActions.SUBMISSION_PROMOTE, AuditActions.submission(row.id),
                                details);
                    })
                    .replaceWith(new WriteResult(WriteOutcome.APPLIED, SubmissionStatus.PROMOTED, row.attempt));
        });
    }

    private Uni<WriteResult> refusePromotion(SubmissionEntity row, StatusChange c, BlobCheck check) {
        Instant now = EntityMapper.now();
        SubmissionStatus from = SubmissionStatus.parse(row.status);
        String reason = "promotion refused: " + check.problem();
        Log.errorf("submission=%s attempt=%d %s (asked by %s)", row.id, row.attempt, reason, c.actor());
        row.status = SubmissionStatus.FAILED.wire();
        row.updatedAt = now;
        Map<String, String> details = move(row.attempt, from, SubmissionStatus.FAILED, reason);
        details.put("requestedBy", c.actor());
        details.put("recordedSha256", row.sha256.trim());
        details.put("actualSha256", check.actualSha256());
        return history.persist(mapper.history(row.id, row.attempt, SubmissionStatus.FAILED, reason, REGISTRY_ACTOR, now))
                .chain(() -> audit.append(REGISTRY_ACTOR, AuditActions.SUBMISSION_PROMOTION_REFUSED,
                        AuditActions.submission(row.id), details))
                .replaceWith(new WriteResult(WriteOutcome.STALE, SubmissionStatus.FAILED, row.attempt));
    }

    /**
     * StartAttempt (re-scan). Key: (submission, fromAttempt). A submission whose attempt
     * {@code fromAttempt} is final starts attempt {@code fromAttempt + 1} at QUEUED. DUPLICATE when
     * that attempt already started; STALE when {@code fromAttempt} is not current or not final.
     * A hacked submission is refused (FAILED_PRECONDITION) unless {@code airlock.registry.rescan-hacked}.
     */
    public Uni<WriteResult> startAttempt(AttemptStart a) {
        return idempotent(a.submissionId(), () -> locked(a.submissionId()).flatMap(row -> {
            if (row.attempt > a.fromAttempt()) {
                return Uni.createFrom().item(result(WriteOutcome.DUPLICATE, row));
            }
            SubmissionStatus current = SubmissionStatus.parse(row.status);
            if (row.attempt < a.fromAttempt() || !current.terminal()) {
                Log.infof("submission=%s stale re-scan from attempt %d: now %s/%d, by %s", row.id, a.fromAttempt(),
                        row.status, row.attempt, a.actor());
                return Uni.createFrom().item(result(WriteOutcome.STALE, row));
            }
            if (current == SubmissionStatus.HACKED && !config.rescanHacked()) {
                throw RegistryException.precondition("submission '" + row.id + "' is hacked and kept as evidence: "
                        + "a re-scan would enter the pipeline behind the precheck that blocked it "
                        + "(airlock.registry.rescan-hacked=false)");
            }
            Instant now = EntityMapper.now();
            int next = row.attempt + 1;
            row.attempt = next;
            row.status = SubmissionStatus.QUEUED.wire();
            row.updatedAt = now;
            Map<String, String> details = new LinkedHashMap<>();
            details.put("fromAttempt", Integer.toString(a.fromAttempt()));
            details.put("fromStatus", current.wire());
            details.put("attempt", Integer.toString(next));
            details.put("reason", a.reason());
            return history.persist(mapper.history(row.id, next, SubmissionStatus.QUEUED, a.reason(), a.actor(), now))
                    .chain(() -> audit.append(a.actor(), AuditActions.SUBMISSION_RESCAN, AuditActions.submission(row.id),
                            details))
                    .replaceWith(new WriteResult(WriteOutcome.APPLIED, SubmissionStatus.QUEUED, next));
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

    private static boolean legal(SubmissionEntity row, StatusChange c) {
        return c.attempt() == row.attempt && SubmissionStatus.parse(row.status).canMoveTo(c.status());
    }

    /**
     * Nothing changes. A dead letter is still audited when stale: the message was lost for good,
     * whatever became of the submission.
     */
    private Uni<WriteResult> stale(SubmissionEntity row, StatusChange c) {
        Log.infof("submission=%s stale transition %s/%d -> %s/%d by %s", row.id, row.status, row.attempt,
                c.status().wire(), c.attempt(), c.actor());
        WriteResult stale = result(WriteOutcome.STALE, row);
        if (!DEAD_LETTER_ACTOR.equals(c.actor())) {
            return Uni.createFrom().item(stale);
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("attempt", Integer.toString(c.attempt()));
        details.put("outcome", "stale: submission is " + row.status + " in attempt " + row.attempt);
        details.put("reason", c.reason());
        return audit.append(c.actor(), AuditActions.SUBMISSION_DEAD_LETTER, AuditActions.submission(row.id), details)
                .replaceWith(stale);
    }

    private Uni<SubmissionEntity> locked(String id) {
        return submissions.lock(id).map(row -> row.orElseThrow(() -> RegistryException.notFound(id)));
    }

    /**
     * Runs {@code work} in one transaction. A unique violation (a concurrent call with the same
     * key won the race, seen at commit) rolls it back and answers DUPLICATE from a fresh read.
     * Once committed, a submission at a final status frees its submitter's in-flight slot.
     */
    private Uni<WriteResult> idempotent(String id, Supplier<Uni<WriteResult>> work) {
        return Panache.withTransaction(work)
                .onFailure(UniqueViolation::matches).recoverWithUni(() -> Panache.withSession(
                        () -> submissions.findById(id).map(row -> result(WriteOutcome.DUPLICATE, row))))
                .call(r -> r.status().terminal() ? releaseInFlight(id) : Uni.createFrom().voidItem());
    }

    /**
     * Frees the in-flight slot after the commit, on every answer that finds the submission final (a
     * DUPLICATE too, so a caller's retry repeats a release that failed). Redis down: the write stands
     * and the slot expires after {@code airlock.quota.in-flight-max-age} at the gateway; the caller is
     * not failed for it, since its write was recorded.
     */
    private Uni<Void> releaseInFlight(String id) {
        return inFlight.release(id)
                .onFailure().invoke(e -> Log.warnf("submission=%s is final but its in-flight slot was not released: %s",
                        id, e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private static WriteResult result(WriteOutcome outcome, SubmissionEntity row) {
        return new WriteResult(outcome, SubmissionStatus.parse(row.status), row.attempt);
    }

    private static Map<String, String> move(int attempt, SubmissionStatus from, SubmissionStatus to, String reason) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("attempt", Integer.toString(attempt));
        details.put("from", from.wire());
        details.put("to", to.wire());
        details.put("reason", reason);
        return details;
    }

    private static String rules(List<Finding> findings) {
        return findings.stream().map(Finding::rule).distinct().collect(Collectors.joining(","));
    }

    private static String worst(List<Finding> findings) {
        return findings.stream().map(Finding::severity).max(Comparator.naturalOrder()).map(Severity::name).orElse("");
    }

    static StageSummary summary(RegistryEvent.StageEvent e) {
        StageResult r = e.result();
        return new StageSummary(r.stage(), r.status().name(), e.service(), r.durationMicros() / 1000.0,
                r.findings().size(), worst(r.findings()), r.findings().stream().map(Finding::rule).distinct().toList());
    }

    /**
     * The policy or rule-set version(s) the attempt's stages say they ran under, distinct, in stage
     * order, joined by "; "; empty when no stage says (then the model records none, never a guess).
     */
    static String policyVersion(List<RegistryEvent.StageEvent> events) {
        Set<String> versions = new LinkedHashSet<>();
        for (var e : events) {
            POLICY_KEYS.stream().map(k -> e.result().details().get(k)).filter(v -> v != null && !v.isBlank())
                    .findFirst().ifPresent(versions::add);
        }
        return String.join("; ", versions);
    }

    private static StageReport precheckStage(NewSubmission s) {
        StageStatus status = s.initialStatus() == SubmissionStatus.HACKED ? StageStatus.FAIL : StageStatus.PASS;
        var findings = s.precheckFindings().stream().map(f -> f.stage().isEmpty() ? f.withStage(PRECHECK_STAGE) : f)
                .toList();
        Map<String, String> details = s.precheck().isEmpty() ? Map.of() : Map.of("precheck", s.precheck());
        return new StageReport(s.id(), 1, new StageResult(PRECHECK_STAGE, status, 0, findings, details), "guard");
    }
}
