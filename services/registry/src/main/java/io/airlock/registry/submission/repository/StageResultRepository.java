package io.airlock.registry.submission.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Access to {@code stage_results}. Callers provide the session or transaction. */
@ApplicationScoped
public class StageResultRepository implements PanacheRepository<StageResultEntity> {

    public Uni<Boolean> exists(String submissionId, int attempt, String stage) {
        return count("submissionId = ?1 and attempt = ?2 and stage = ?3", submissionId, attempt, stage)
                .map(n -> n > 0);
    }

    /** The stage results of one attempt of a submission, in seq order. */
    public Uni<List<StageResultEntity>> ofAttempt(String submissionId, int attempt) {
        return list("submissionId = ?1 and attempt = ?2", Sort.ascending("seq"), submissionId, attempt);
    }

    /** The stage results of a submission after {@code afterSeq}, in seq order. */
    public Uni<List<StageResultEntity>> after(String submissionId, long afterSeq) {
        return list("submissionId = ?1 and seq > ?2", Sort.ascending("seq"), submissionId, afterSeq);
    }
}
