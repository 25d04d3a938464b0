package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

import io.airlock.contracts.Kind;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.submission.repository.StageResultRepository;
import io.airlock.registry.submission.repository.StatusHistoryRepository;
import io.airlock.registry.submission.repository.SubmissionEntity;
import io.airlock.registry.submission.repository.SubmissionRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The registry's reads: one submission with its evidence, its events since a seq, pages of submissions. */
@ApplicationScoped
public class SubmissionQueryService {

    @Inject
    SubmissionRepository submissions;
    @Inject
    StatusHistoryRepository history;
    @Inject
    StageResultRepository stages;
    @Inject
    EntityMapper mapper;

    /** The submission, its stage results and its status history; NOT_FOUND when unknown. */
    @WithSession
    public Uni<SubmissionDetail> get(String submissionId) {
        Checks.lookupId(submissionId);
        // a session runs one statement at a time: the three reads are chained, never combined
        return find(submissionId).flatMap(row -> stages.after(submissionId, 0)
                .flatMap(stageRows -> history.after(submissionId, 0)
                        .map(historyRows -> new SubmissionDetail(mapper.record(row),
                                stageRows.stream().map(mapper::event).toList(),
                                historyRows.stream().map(mapper::event).toList()))));
    }

    /** Status and stage events with seq > {@code afterSeq}, in seq order, and the current status. */
    @WithSession
    public Uni<EventsSince> events(String submissionId, long afterSeq) {
        Checks.lookupId(submissionId);
        if (afterSeq < 0) {
            throw RegistryException.invalid("after_seq must be >= 0, got " + afterSeq);
        }
        return find(submissionId).flatMap(row -> history.after(submissionId, afterSeq)
                .flatMap(historyRows -> stages.after(submissionId, afterSeq).map(stageRows -> {
                    List<RegistryEvent> events = new ArrayList<>(historyRows.size() + stageRows.size());
                    historyRows.forEach(h -> events.add(mapper.event(h)));
                    stageRows.forEach(s -> events.add(mapper.event(s)));
                    events.sort(Comparator.comparingLong(RegistryEvent::seq));
                    return new EventsSince(events, SubmissionStatus.parse(row.status));
                })));
    }

    /** A page of submissions, newest first, with the total that matched. */
    @WithSession
    public Uni<SubmissionPage> list(SubmissionQuery q) {
        var filter = new SubmissionRepository.Filter(q.status().map(SubmissionStatus::wire), q.kind().map(Kind::wire),
                q.since(), q.submitter());
        return submissions.page(filter, q.limit(), q.offset()).map(page -> new SubmissionPage(page.total(), q.limit(),
                q.offset(), page.rows().stream().map(mapper::record).toList()));
    }

    /** A page of the findings of one attempt, worst first (then in stage order); NOT_FOUND when unknown. */
    @WithSession
    public Uni<FindingsPage> findings(FindingsQuery q) {
        return get(q.submissionId()).map(d -> {
            int attempt = q.attempt().orElse(d.submission().attempt());
            List<FindingsPage.Found> all = new ArrayList<>();
            for (var stage : d.stages()) {
                if (stage.attempt() != attempt || q.stage().map(s -> !s.equals(stage.result().stage())).orElse(false)) {
                    continue;
                }
                for (var f : stage.result().findings()) {
                    if (q.minSeverity().map(min -> f.severity().atLeast(min)).orElse(true)) {
                        all.add(new FindingsPage.Found(stage.seq(), stage.result().stage(), f));
                    }
                }
            }
            // stable sort: equal severities keep stage order
            all.sort(Comparator.comparing((FindingsPage.Found f) -> f.finding().severity()).reversed());
            List<FindingsPage.Found> page = all.stream().skip(q.offset()).limit(q.limit()).toList();
            return new FindingsPage(d.submission().id(), attempt, all.size(), q.limit(), q.offset(), page);
        });
    }

    /**
     * NOT_FOUND unless the submission belongs to {@code user}: another user's id answers exactly
     * like an unknown one, so ids do not leak.
     */
    @WithSession
    public Uni<Void> requireOwner(String submissionId, String user) {
        Checks.lookupId(submissionId);
        return find(submissionId).map(row -> {
            if (!user.equals(row.submitter)) {
                throw RegistryException.notFound(submissionId);
            }
            return null;
        });
    }

    private Uni<SubmissionEntity> find(String id) {
        return submissions.findById(id).map(row -> {
            if (row == null) {
                throw RegistryException.notFound(id);
            }
            return row;
        });
    }
}
