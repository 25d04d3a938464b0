package io.airlock.registry.evaluation.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.ConformanceWork;
import io.airlock.registry.audit.service.AuditActions;
import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.evaluation.repository.ConformanceRunEntity;
import io.airlock.registry.evaluation.repository.ConformanceRunRepository;
import io.airlock.registry.evaluation.repository.EvaluationEntity;
import io.airlock.registry.evaluation.repository.EvaluationRepository;
import io.airlock.registry.model.repository.ModelEntity;
import io.airlock.registry.model.repository.ModelRepository;
import io.airlock.registry.common.RegistryException;
import io.airlock.registry.common.WriteOutcome;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Conformance evaluations: created and deleted by operators, run on demand or on their schedule
 * through the evaluator's stream, their results recorded once per run id, their status derived by
 * {@link StatusRules}. Every write locks the evaluation's row first (then its run), so writes of
 * one evaluation are serialized; at most one run is queued per evaluation (checked under that lock,
 * and a unique index behind it). Phase changes and a model leaving or re-entering the serving list
 * are audit entries in the same transaction.
 */
@ApplicationScoped
public class EvaluationService {
    /** Actor of what the registry decides itself (scheduled runs, timeouts). */
    public static final String SCHEDULER = "scheduler";
    private static final TypeReference<List<Condition>> CONDITIONS = new TypeReference<>() {
    };
    private static final TypeReference<List<CaseOutcome>> CASES = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, String>> DETAILS = new TypeReference<>() {
    };
    /** Absolute slack when comparing a measured rate with the policy. */
    private static final double EPSILON = 1e-12;

    @Inject
    EvaluationRepository evaluations;
    @Inject
    ConformanceRunRepository runs;
    @Inject
    ModelRepository models;
    @Inject
    AuditLog audit;
    @Inject
    ObjectMapper json;
    @Inject
    ConformanceQueue queue;

    /** Creates an evaluation (409 when the name is taken, 400 when the model is not promoted); run-now queues a run. */
    public Uni<EvaluationStatus> create(EvaluationSpec spec, String actor) {
        Instant now = now();
        return Panache.withTransaction(() -> evaluations.live(spec.name()).flatMap(existing -> {
            if (existing.isPresent()) {
                throw RegistryException.precondition("an evaluation named '" + spec.name() + "' exists");
            }
            return models.findById(spec.modelId());
        }).flatMap(model -> {
            if (model == null) {
                throw RegistryException.invalid("no model '" + spec.modelId() + "'");
            }
            return models.promoted(model.id).flatMap(promoted -> {
                if (!promoted) {
                    throw RegistryException.invalid("model " + model.id + " is not promoted now (deleted, or its "
                            + "submission was sent for re-scan): only a promoted model can be evaluated");
                }
                EvaluationEntity e = new EvaluationEntity();
                e.id = UUID.randomUUID().toString();
                e.name = spec.name();
                e.modelId = model.id;
                e.corpusRef = spec.corpusRef();
                e.corpusDigest = spec.corpusDigest();
                e.schedule = spec.schedule().map(Cron::expression).orElse("");
                e.nextFireAt = spec.schedule().map(c -> c.next(now)).orElse(null);
                e.failModelOnDrift = spec.failModelOnDrift();
                e.maxAttackSuccessRate = spec.maxAttackSuccessRate();
                e.phase = Phase.Pending.name();
                e.conditions = write(StatusRules.derive(List.of(), Optional.empty(), List.of(), Optional.empty(),
                        false, now).conditions());
                e.createdAt = now;
                e.createdBy = actor;
                e.deletedBy = "";
                Map<String, String> details = new LinkedHashMap<>();
                details.put("model", model.id);
                details.put("corpus", e.corpusRef);
                details.put("corpusDigest", e.corpusDigest);
                details.put("schedule", e.schedule);
                details.put("failModelOnDrift", Boolean.toString(e.failModelOnDrift));
                details.put("maxAttackSuccessRate", Double.toString(e.maxAttackSuccessRate));
                return evaluations.persist(e).chain(() -> audit.append(actor, AuditActions.EVALUATION_CREATE,
                        AuditActions.evaluation(e.name), details)).replaceWith(e);
            });
        })).flatMap(e -> spec.runNow() ? runNow(spec.name(), actor).replaceWith(e) : Uni.createFrom().item(e))
                .flatMap(e -> get(e.name));
    }

    /** Live evaluations by name, with their status. */
    @WithSession
    public Uni<EvaluationPage> list(int limit, int offset) {
        if (limit < 1 || limit > EvaluationPage.MAX_LIMIT) {
            throw RegistryException.invalid("limit must be between 1 and " + EvaluationPage.MAX_LIMIT + ", got " + limit);
        }
        if (offset < 0) {
            throw RegistryException.invalid("offset must be >= 0, got " + offset);
        }
        return evaluations.page(limit, offset).flatMap(p -> Multi.createFrom().iterable(p.rows())
                .onItem().transformToUniAndConcatenate(this::status).collect().asList()
                .map(items -> new EvaluationPage(p.total(), limit, offset, items)));
    }

    /** One live evaluation with its status; NOT_FOUND when there is none of that name. */
    @WithSession
    public Uni<EvaluationStatus> get(String name) {
        return live(name).flatMap(this::status);
    }

    /**
     * Queues a run now. FAILED_PRECONDITION (409) while another run of it is queued (naming that run),
     * or when its model is no longer promoted. Answers the queued run once the evaluator's stream holds it.
     */
    public Uni<RunSummary> runNow(String name, String actor) {
        checkName(name);
        Instant now = now();
        return Panache.withTransaction(() -> evaluations.lockLive(name).flatMap(found -> {
            EvaluationEntity e = found.orElseThrow(() -> RegistryException.notFound("evaluation", name));
            return runs.inFlight(e.id).flatMap(busy -> {
                if (busy.isPresent()) {
                    throw RegistryException.precondition("evaluation '" + name + "' has run " + busy.get().id
                            + " in flight since " + busy.get().requestedAt + "; it was not started again");
                }
                return models.promoted(e.modelId);
            }).flatMap(promoted -> {
                if (!promoted) {
                    throw RegistryException.precondition("model " + e.modelId + " of evaluation '" + name
                            + "' is no longer promoted (deleted or re-scanned); delete the evaluation");
                }
                return queueRun(e, "run-now", actor, now).call(w -> audit.append(actor, AuditActions.EVALUATION_RUN,
                        AuditActions.evaluation(name), Map.of("run", w.runId(), "trigger", "run-now")));
            });
        })).flatMap(this::send).flatMap(runId -> Panache.withSession(() -> runs.findById(runId)).map(this::summary));
    }

    /**
     * Fires every due schedule this replica can claim: each claimed evaluation's next firing time is
     * moved on and its run queued in one transaction, so a firing is taken by one replica only; then
     * the runs go on the stream. A firing while a run is in flight is skipped (the schedule moves on).
     * Answers the run ids queued.
     */
    public Uni<List<String>> fireDue(Instant now, int batch) {
        return Panache.withTransaction(() -> evaluations.claimDue(now, batch).flatMap(due -> Multi.createFrom()
                .iterable(due).onItem().transformToUniAndConcatenate(e -> fire(e, now)).collect().asList()))
                .flatMap(works -> Multi.createFrom().iterable(works).filter(w -> w != null)
                        .onItem().transformToUniAndConcatenate(this::send).collect().asList());
    }

    /** Closes runs queued for longer than {@code timeout} as errors, so the next run can start; answers how many. */
    public Uni<Integer> expireOverdue(Instant now, java.time.Duration timeout, int batch) {
        return Panache.withSession(() -> runs.overdue(now.minus(timeout), batch))
                .flatMap(ids -> Multi.createFrom().iterable(ids).onItem().transformToUniAndConcatenate(id ->
                        finish(RunOutcome.notRun(id, "no result within " + timeout + " (the message was lost, or the "
                                + "evaluator is down or too slow)", now(), SCHEDULER))).collect().asList())
                .map(List::size);
    }

    /**
     * Records a run's outcome: APPLIED once, DUPLICATE for a run already finished (a redelivered
     * message), STALE for a run the registry never issued. Derives the evaluation's new status in the
     * same transaction and audits a phase change and a model leaving or re-entering the serving list.
     */
    public Uni<Recorded> finish(RunOutcome o) {
        return Panache.withTransaction(() -> runs.findById(o.runId()).flatMap(peek -> {
            if (peek == null) {
                return Uni.createFrom().item(new Recorded(WriteOutcome.STALE, ""));
            }
            // lock order: the evaluation, then its run (as runNow and fire take them)
            return evaluations.lock(peek.evaluationId).flatMap(ev -> runs.lock(o.runId()).flatMap(found -> {
                EvaluationEntity e = ev.orElseThrow();
                ConformanceRunEntity r = found.orElseThrow();
                if (!RunSummary.QUEUED.equals(r.state)) {
                    return Uni.createFrom().item(new Recorded(WriteOutcome.DUPLICATE, e.phase));
                }
                apply(r, o);
                Uni<Void> stored = o.cases().isEmpty() ? Uni.createFrom().voidItem()
                        : Panache.getSession().chain(s -> s.flush()).chain(() -> runs.storeResults(r.id, write(o.cases())))
                        .replaceWithVoid();
                return stored.chain(() -> Panache.getSession().chain(s -> s.flush()))
                        .chain(() -> runs.trim(e.id, EvaluationStatus.HISTORY))
                        .chain(() -> e.deletedAt != null ? Uni.createFrom().voidItem() : refresh(e, o.actor()))
                        .map(x -> new Recorded(WriteOutcome.APPLIED, e.phase));
            }));
        }));
    }

    /** Deletes an evaluation (its rows stay); a model it held out of the serving list returns, audited. */
    public Uni<EvaluationStatus> delete(String name, String actor) {
        checkName(name);
        Instant now = now();
        return Panache.withTransaction(() -> evaluations.lockLive(name).flatMap(found -> {
            EvaluationEntity e = found.orElseThrow(() -> RegistryException.notFound("evaluation", name));
            boolean held = e.degradesModel;
            e.deletedAt = now;
            e.deletedBy = actor;
            e.nextFireAt = null;
            e.degradesModel = false;
            Uni<?> restore = !held ? Uni.createFrom().voidItem()
                    : audit.append(actor, AuditActions.MODEL_RESTORE, AuditActions.model(e.modelId),
                    Map.of("evaluation", e.name, "reason", "evaluation deleted"));
            return restore.chain(() -> audit.append(actor, AuditActions.EVALUATION_DELETE, AuditActions.evaluation(name),
                    Map.of("model", e.modelId))).chain(() -> status(e));
        }));
    }

    /** One run of a live evaluation with its case-by-case results. */
    @WithSession
    public Uni<RunDetail> run(String name, String runId) {
        return live(name).flatMap(e -> {
            if (runId == null || !RunOutcome.RUN_ID.matcher(runId).matches()) {
                throw RegistryException.notFound("run", String.valueOf(runId));
            }
            return runs.findById(runId).flatMap(r -> {
                if (r == null || !r.evaluationId.equals(e.id)) {
                    throw RegistryException.notFound("run", runId + "' of evaluation '" + name);
                }
                return runs.results(runId).map(text -> new RunDetail(name, summary(r), read(text, CASES),
                        read(r.details, DETAILS)));
            });
        });
    }

    /** What recording a run did, and the evaluation's phase after it. */
    public record Recorded(WriteOutcome outcome, String phase) {
    }

    // ---- internals ------------------------------------------------------------------------------

    private Uni<EvaluationEntity> live(String name) {
        checkName(name);
        return evaluations.live(name).map(e -> e.orElseThrow(() -> RegistryException.notFound("evaluation", name)));
    }

    private static void checkName(String name) {
        // a name that could never have been created is simply not there
        if (name == null || !EvaluationSpec.NAME.matcher(name).matches()) {
            throw RegistryException.notFound("evaluation", String.valueOf(name));
        }
    }

    /** The claimed evaluation's firing: schedule moved on, and a run queued unless one is in flight. */
    private Uni<ConformanceWork> fire(EvaluationEntity e, Instant now) {
        Instant next;
        try {
            next = Cron.parse(e.schedule).next(now);
        } catch (IllegalArgumentException ex) {
            // stored schedules were parsed at creation; one that no longer parses must not fire in a loop
            Log.errorf("evaluation %s: stored schedule '%s' does not parse (%s); schedule stopped", e.name, e.schedule,
                    ex.getMessage());
            next = null;
        }
        e.nextFireAt = next;
        return runs.inFlight(e.id).flatMap(busy -> {
            if (busy.isPresent()) {
                Log.infof("evaluation %s: schedule fired while run %s is in flight; skipped", e.name, busy.get().id);
                return Uni.createFrom().nullItem();
            }
            return models.promoted(e.modelId).flatMap(promoted -> {
                if (!promoted) {
                    // recorded as a run that did not run, so the status says why nothing is measured
                    return queueRun(e, "schedule", SCHEDULER, now).flatMap(w -> Panache.getSession()
                            .chain(s -> s.flush())
                            .chain(() -> finishLocked(e, w.runId(), RunOutcome.notRun(w.runId(), "model " + e.modelId
                                    + " is no longer promoted (deleted or re-scanned)", now, SCHEDULER)))
                            .replaceWith((ConformanceWork) null));
                }
                return queueRun(e, "schedule", SCHEDULER, now);
            });
        });
    }

    /** Inserts a queued run and answers its work item; the caller holds the evaluation's lock. */
    private Uni<ConformanceWork> queueRun(EvaluationEntity e, String trigger, String actor, Instant now) {
        return models.findById(e.modelId).flatMap(model -> {
            ConformanceRunEntity r = new ConformanceRunEntity();
            r.id = UUID.randomUUID().toString();
            r.evaluationId = e.id;
            r.trigger = trigger;
            r.state = RunSummary.QUEUED;
            r.requestedAt = now;
            r.requestedBy = actor;
            r.executionProvider = "";
            r.corpusName = "";
            r.corpusDigest = "";
            r.maxAttackSuccessRate = e.maxAttackSuccessRate;
            r.error = "";
            r.details = "{}";
            ConformanceWork w = work(e, model, r.id);
            return runs.persist(r).chain(() -> Panache.getSession().chain(s -> s.flush()))
                    .chain(() -> refresh(e, actor)).replaceWith(w);
        });
    }

    private static ConformanceWork work(EvaluationEntity e, ModelEntity m, String runId) {
        return new ConformanceWork(runId, e.name, m.id, m.blob, m.filename, e.corpusRef, e.corpusDigest);
    }

    /**
     * XADD after the run's row committed. A failed XADD closes the run as an error at once (nothing
     * would ever answer it), and the caller gets the failure.
     */
    private Uni<String> send(ConformanceWork w) {
        return queue.send(w).replaceWith(w.runId()).onFailure().call(err -> finish(RunOutcome.notRun(w.runId(),
                "could not be queued on the evaluator's stream: " + err.getMessage(), now(), SCHEDULER))
                .onFailure().invoke(e2 -> Log.errorf("run %s: closing after a failed XADD failed too: %s", w.runId(), e2)));
    }

    /** {@link #finish} for a run whose evaluation this transaction already holds. */
    private Uni<Void> finishLocked(EvaluationEntity e, String runId, RunOutcome o) {
        return runs.findById(runId).flatMap(r -> {
            apply(r, o);
            return Panache.getSession().chain(s -> s.flush()).chain(() -> runs.trim(e.id, EvaluationStatus.HISTORY))
                    .chain(() -> refresh(e, o.actor()));
        });
    }

    private void apply(ConformanceRunEntity r, RunOutcome o) {
        r.state = o.completed() ? RunSummary.COMPLETED : RunSummary.ERROR;
        r.startedAt = o.startedAt().orElse(null);
        r.finishedAt = o.finishedAt().truncatedTo(ChronoUnit.MICROS);
        r.executionProvider = o.executionProvider();
        r.corpusName = o.corpusName();
        r.corpusDigest = o.corpusDigest();
        r.cases = o.cases().size();
        r.failed = o.failed();
        r.attacks = o.attacks();
        r.determined = o.determined();
        r.flagged = o.flagged();
        r.undetermined = o.undetermined();
        r.attackSuccessRate = o.attackSuccessRate();
        // the registry applies the policy itself, with the threshold the run was queued under; a run
        // where no attack had a usable answer measured nothing and does not pass
        r.passed = o.completed() && o.determined() > 0 && r.attackSuccessRate <= r.maxAttackSuccessRate + EPSILON;
        r.error = o.completed() ? "" : o.error();
        r.details = write(o.details());
    }

    /**
     * Derives the status from the runs as they are in this transaction, stores it, and audits a phase
     * change and a change of the model hold. Runs after the caller flushed its run changes.
     */
    private Uni<Void> refresh(EvaluationEntity e, String actor) {
        Instant now = now();
        return runs.history(e.id, 1).flatMap(last -> runs.lastCompleted(e.id).flatMap(done -> runs.inFlight(e.id)
                .flatMap(busy -> {
                    StatusRules.Derived d = StatusRules.derive(read(e.conditions, CONDITIONS),
                            last.stream().findFirst().map(this::summary), done.stream().map(this::summary).toList(),
                            busy.map(this::summary), e.failModelOnDrift, now);
                    String before = e.phase;
                    boolean held = e.degradesModel;
                    e.phase = d.phase().name();
                    e.conditions = write(d.conditions());
                    e.degradesModel = d.degradesModel();
                    String why = last.stream().findFirst().map(r -> StatusRules.why(summary(r))).orElse("");
                    Uni<?> chain = Uni.createFrom().voidItem();
                    if (!before.equals(e.phase)) {
                        chain = chain.chain(() -> audit.append(actor, AuditActions.EVALUATION_PHASE,
                                AuditActions.evaluation(e.name), Map.of("from", before, "to", e.phase, "why", why)));
                    }
                    if (held != e.degradesModel) {
                        String action = e.degradesModel ? AuditActions.MODEL_DEGRADE : AuditActions.MODEL_RESTORE;
                        chain = chain.chain(() -> audit.append(actor, action, AuditActions.model(e.modelId),
                                Map.of("evaluation", e.name, "reason", why)));
                        if (e.degradesModel) {
                            Log.warnf("model %s held out of the serving list by evaluation %s: %s", e.modelId, e.name, why);
                        } else {
                            Log.infof("model %s released by evaluation %s: %s", e.modelId, e.name, why);
                        }
                    }
                    return chain.replaceWithVoid();
                })));
    }

    private Uni<EvaluationStatus> status(EvaluationEntity e) {
        return runs.history(e.id, EvaluationStatus.HISTORY).flatMap(history -> runs.inFlight(e.id).flatMap(busy ->
                (e.corpusDigest.isEmpty() ? runs.newestDigest(e.corpusRef) : Uni.createFrom().item(Optional.of(e.corpusDigest)))
                        .map(digestNow -> {
                            List<RunSummary> h = history.stream().map(this::summary).toList();
                            return new EvaluationStatus(e.id, e.name, e.modelId, e.corpusRef, e.corpusDigest, e.schedule,
                                    e.failModelOnDrift, e.maxAttackSuccessRate, Phase.valueOf(e.phase),
                                    read(e.conditions, CONDITIONS), h.stream().findFirst(), h, busy.map(this::summary),
                                    digestNow, Optional.ofNullable(e.nextFireAt), e.degradesModel, e.createdAt,
                                    e.createdBy, Optional.ofNullable(e.deletedAt));
                        })));
    }

    private RunSummary summary(ConformanceRunEntity r) {
        return new RunSummary(r.id, r.trigger, r.state, r.requestedAt, r.requestedBy, Optional.ofNullable(r.startedAt),
                Optional.ofNullable(r.finishedAt), r.executionProvider, r.corpusName, r.corpusDigest, r.cases, r.failed,
                r.attacks, r.determined, r.flagged, r.undetermined, r.attackSuccessRate, r.maxAttackSuccessRate,
                r.passed, r.error);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException("stored JSON does not parse", ex);
        }
    }
}
