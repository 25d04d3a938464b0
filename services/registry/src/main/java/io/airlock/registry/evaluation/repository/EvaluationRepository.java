package io.airlock.registry.evaluation.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Access to {@code evaluations}. Callers provide the session or transaction. */
@ApplicationScoped
public class EvaluationRepository implements PanacheRepositoryBase<EvaluationEntity, String> {

    /** The live (not deleted) evaluation of this name. */
    public Uni<Optional<EvaluationEntity>> live(String name) {
        return find("name = ?1 and deletedAt is null", name).firstResult().map(Optional::ofNullable);
    }

    /** The live evaluation of this name, its row locked until the transaction ends. */
    public Uni<Optional<EvaluationEntity>> lockLive(String name) {
        return find("name = ?1 and deletedAt is null", name).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                .map(Optional::ofNullable);
    }

    /** The row by id, locked until the transaction ends. */
    public Uni<Optional<EvaluationEntity>> lock(String id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE).map(Optional::ofNullable);
    }

    /** A page of live evaluations by name, and the count of all. */
    public Uni<Page> page(int limit, int offset) {
        var q = find("deletedAt is null order by name");
        return count("deletedAt is null").flatMap(total -> q.range(offset, offset + limit - 1).list()
                .map(rows -> new Page(total, rows)));
    }

    /**
     * Claims up to {@code batch} evaluations whose schedule is due, locking their rows. Rows another
     * replica holds are skipped, not waited for (SKIP LOCKED); the caller moves next_fire_at on before
     * committing, so once it commits no replica sees the same firing as due again.
     */
    public Uni<List<EvaluationEntity>> claimDue(Instant now, int batch) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("select id from evaluations where deleted_at is null "
                        + "and next_fire_at <= ?1 order by next_fire_at limit ?2 for update skip locked", String.class)
                .setParameter(1, now)
                .setParameter(2, batch)
                .getResultList())
                // the rows are locked by this transaction now; load them as entities
                .flatMap(ids -> ids.isEmpty() ? Uni.createFrom().item(List.<EvaluationEntity>of()) : list("id in ?1", ids));
    }

    /** Whether a live evaluation with failModelOnDrift holds this model out of the serving list. */
    public Uni<Boolean> degrading(String modelId) {
        return count("modelId = ?1 and deletedAt is null and degradesModel = true", modelId).map(n -> n > 0);
    }

    /** Rows of one page and the count of all live evaluations. */
    public record Page(long total, List<EvaluationEntity> rows) {
    }
}
