package io.airlock.registry.audit.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Access to {@code audit_log}. Callers provide the session or transaction. */
@ApplicationScoped
public class AuditRepository implements PanacheRepositoryBase<AuditEntryEntity, Long> {

    /** Up to {@code limit} entries with {@code from <= seq <= to}, in seq order (the verifier's keyset pages). */
    public Uni<List<AuditEntryEntity>> range(long from, long to, int limit) {
        return find("seq >= ?1 and seq <= ?2", Sort.ascending("seq"), from, to).range(0, limit - 1).list();
    }

    /** One page of entries matching {@code filter}, in seq order. */
    public Uni<List<AuditEntryEntity>> page(Filter filter, int limit) {
        StringBuilder where = new StringBuilder("seq > :after");
        Parameters params = Parameters.with("after", filter.after());
        filter.since().ifPresent(t -> {
            where.append(" and at >= :since");
            params.and("since", t);
        });
        filter.subject().ifPresent(s -> {
            where.append(" and subject = :subject");
            params.and("subject", s);
        });
        filter.action().ifPresent(a -> {
            where.append(" and action = :action");
            params.and("action", a);
        });
        return find(where.toString(), Sort.ascending("seq"), params).range(0, limit - 1).list();
    }

    /** Filter of {@link #page}: entries after seq {@code after}, optionally from an instant, of a subject or action. */
    public record Filter(long after, Optional<Instant> since, Optional<String> subject, Optional<String> action) {
    }
}
