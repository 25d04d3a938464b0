package io.airlock.registry.model.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Access to {@code models}. Callers provide the session or transaction. */
@ApplicationScoped
public class ModelRepository implements PanacheRepositoryBase<ModelEntity, String> {

    /**
     * Promoted models: not deleted, and the promotion of the attempt their submission is in now,
     * with that submission still promoted. A submission sent for re-scan (or one that is anything but
     * promoted, hacked included) therefore has no promoted model; its rows stay as history.
     */
    private static final String PROMOTED = "from ModelEntity m where m.deletedAt is null and exists ("
            + "select 1 from SubmissionEntity s where s.id = m.submissionId and s.attempt = m.attempt "
            + "and s.status = 'promoted')";
    /**
     * The listed (served) models: promoted, and not held back by a live conformance evaluation with
     * failModelOnDrift whose newest completed run failed (evaluations.degrades_model).
     */
    private static final String LISTED = PROMOTED + " and not exists (select 1 from EvaluationEntity e "
            + "where e.modelId = m.id and e.deletedAt is null and e.degradesModel = true)";

    /** A model is owned by the submitter of the submission it was promoted from. */
    private static final String OWNED = "exists (select 1 from SubmissionEntity o where o.id = m.submissionId "
            + "and o.submitter = :submitter)";

    /** One page of listed models matching {@code filter}, newest first, and the total count. */
    public Uni<Page> page(Filter filter, int limit, int offset) {
        StringBuilder where = new StringBuilder(LISTED);
        Parameters params = new Parameters();
        filter.since().ifPresent(t -> {
            where.append(" and m.promotedAt >= :since");
            params.and("since", t);
        });
        filter.name().ifPresent(n -> {
            where.append(" and m.name = :name");
            params.and("name", n);
        });
        filter.sha256().ifPresent(h -> {
            where.append(" and m.sha256 = :sha256");
            params.and("sha256", h);
        });
        filter.submitter().ifPresent(u -> {
            where.append(" and " + OWNED);
            params.and("submitter", u);
        });
        String query = where.toString();
        // one session runs one statement at a time: count, then the page
        return count(query, params).flatMap(total -> find(query + " order by m.promotedAt desc, m.id desc", params)
                .range(offset, offset + limit - 1).list().map(rows -> new Page(total, rows)));
    }

    /** Whether the model came from a submission of {@code submitter}. */
    public Uni<Boolean> ownedBy(String id, String submitter) {
        return count("from ModelEntity m where m.id = :id and " + OWNED,
                Parameters.with("id", id).and("submitter", submitter)).map(n -> n > 0);
    }

    /** Whether the model is listed now (see {@link #LISTED}). */
    public Uni<Boolean> listed(String id) {
        return count(LISTED + " and m.id = :id", Parameters.with("id", id)).map(n -> n > 0);
    }

    /** Whether the model is promoted now, listed or held back by a failing evaluation (see {@link #PROMOTED}). */
    public Uni<Boolean> promoted(String id) {
        return count(PROMOTED + " and m.id = :id", Parameters.with("id", id)).map(n -> n > 0);
    }

    /** Reads the row and locks it until the transaction ends. */
    public Uni<Optional<ModelEntity>> lock(String id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE).map(Optional::ofNullable);
    }

    /** Filter of {@link #page}. */
    public record Filter(Optional<Instant> since, Optional<String> name, Optional<String> sha256,
                         Optional<String> submitter) {
    }

    /** Rows of one page and the count of all matching rows. */
    public record Page(long total, List<ModelEntity> rows) {
    }
}
