package io.airlock.registry.evaluation.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Access to {@code conformance_runs}. Callers provide the session or transaction. */
@ApplicationScoped
public class ConformanceRunRepository implements PanacheRepositoryBase<ConformanceRunEntity, String> {

    /** The run still waiting for its result, if any (at most one per evaluation: a unique index). */
    public Uni<Optional<ConformanceRunEntity>> inFlight(String evaluationId) {
        return find("evaluationId = ?1 and state = 'queued'", evaluationId).firstResult().map(Optional::ofNullable);
    }

    /** Finished runs (completed or error), newest first. */
    public Uni<List<ConformanceRunEntity>> history(String evaluationId, int limit) {
        return find("evaluationId = ?1 and state <> 'queued' order by finishedAt desc, id desc", evaluationId)
                .range(0, limit - 1).list();
    }

    /** The two newest completed runs (the ones drift compares), newest first. */
    public Uni<List<ConformanceRunEntity>> lastCompleted(String evaluationId) {
        return find("evaluationId = ?1 and state = 'completed' order by finishedAt desc, id desc", evaluationId)
                .range(0, 1).list();
    }

    public Uni<Optional<ConformanceRunEntity>> lock(String id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE).map(Optional::ofNullable);
    }

    /** The corpus digest of the newest completed run of any live evaluation on this corpus reference. */
    public Uni<Optional<String>> newestDigest(String corpusRef) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("select r.corpus_digest from conformance_runs r "
                        + "join evaluations e on e.id = r.evaluation_id where e.corpus_ref = ?1 and r.state = 'completed' "
                        + "and r.corpus_digest <> '' order by r.finished_at desc limit 1", String.class)
                .setParameter(1, corpusRef)
                .getResultList()).map(l -> l.stream().findFirst());
    }

    /**
     * Ids of runs queued before {@code cutoff}, oldest first. Not locked: two replicas may both try to
     * close one, and recording is idempotent per run id, so the second changes nothing.
     */
    public Uni<List<String>> overdue(Instant cutoff, int batch) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("select id from conformance_runs "
                        + "where state = 'queued' and requested_at < ?1 order by requested_at limit ?2", String.class)
                .setParameter(1, cutoff)
                .setParameter(2, batch)
                .getResultList());
    }

    /** The per-case results of a run as JSON text ("[]" when none were recorded). */
    public Uni<String> results(String runId) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("select cast(results as text) from conformance_runs "
                        + "where id = ?1", String.class)
                .setParameter(1, runId)
                .getResultList()).map(l -> l.isEmpty() ? "[]" : l.get(0));
    }

    /** Stores the per-case results (JSON array text) of a run, in the caller's transaction. */
    public Uni<Integer> storeResults(String runId, String json) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("update conformance_runs set results = "
                        + "cast(cast(?1 as text) as jsonb) where id = ?2")
                .setParameter(1, json)
                .setParameter(2, runId)
                .executeUpdate());
    }

    /** Deletes finished runs beyond the newest {@code keep} of an evaluation; answers how many went. */
    public Uni<Integer> trim(String evaluationId, int keep) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("delete from conformance_runs where id in ("
                        + "select id from conformance_runs where evaluation_id = ?1 and state <> 'queued' "
                        + "order by finished_at desc, id desc offset ?2)")
                .setParameter(1, evaluationId)
                .setParameter(2, keep)
                .executeUpdate());
    }
}
