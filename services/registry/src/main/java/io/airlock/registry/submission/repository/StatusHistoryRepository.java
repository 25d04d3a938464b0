package io.airlock.registry.submission.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Access to {@code status_history}. Callers provide the session or transaction. */
@ApplicationScoped
public class StatusHistoryRepository implements PanacheRepository<StatusHistoryEntity> {

    public Uni<Boolean> exists(String submissionId, int attempt, String status) {
        return count("submissionId = ?1 and attempt = ?2 and status = ?3", submissionId, attempt, status)
                .map(n -> n > 0);
    }

    /** The history of a submission after {@code afterSeq}, in seq order. */
    public Uni<List<StatusHistoryEntity>> after(String submissionId, long afterSeq) {
        return list("submissionId = ?1 and seq > ?2", Sort.ascending("seq"), submissionId, afterSeq);
    }
}
