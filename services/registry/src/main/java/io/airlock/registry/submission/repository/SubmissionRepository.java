package io.airlock.registry.submission.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Access to {@code submissions}. Callers provide the session or transaction. */
@ApplicationScoped
public class SubmissionRepository implements PanacheRepositoryBase<SubmissionEntity, String> {

    /**
     * Reads the row and locks it until the transaction ends. Every write of a submission takes
     * this lock first, so writes of one submission are serialized (see V1__submissions.sql).
     */
    public Uni<Optional<SubmissionEntity>> lock(String id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE).map(Optional::ofNullable);
    }

    /** One page of the submissions matching {@code filter}, newest first, and the total count. */
    public Uni<Page> page(Filter filter, int limit, int offset) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        filter.status().ifPresent(s -> {
            where.append(" and status = :status");
            params.and("status", s);
        });
        filter.kind().ifPresent(k -> {
            where.append(" and kind = :kind");
            params.and("kind", k);
        });
        filter.submitter().ifPresent(u -> {
            where.append(" and submitter = :submitter");
            params.and("submitter", u);
        });
        filter.since().ifPresent(t -> {
            where.append(" and createdAt >= :since");
            params.and("since", t);
        });
        var query = find(where.toString(), Sort.descending("createdAt", "id"), params);
        // one session runs one statement at a time: count, then the page
        return query.count().flatMap(total -> query.range(offset, offset + limit - 1).list()
                .map(rows -> new Page(total, rows)));
    }

    /** Filter of {@link #page}; values are wire names. */
    public record Filter(Optional<String> status, Optional<String> kind, Optional<Instant> since,
                         Optional<String> submitter) {
    }

    /** Rows of one page and the count of all matching rows. */
    public record Page(long total, List<SubmissionEntity> rows) {
    }
}
