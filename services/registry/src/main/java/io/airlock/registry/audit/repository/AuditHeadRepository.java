package io.airlock.registry.audit.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/** Access to {@code audit_chain_head}. Callers provide the session or transaction. */
@ApplicationScoped
public class AuditHeadRepository implements PanacheRepositoryBase<AuditHeadEntity, Integer> {

    /**
     * Reads the head and locks it until the transaction ends: appenders queue here, so each one
     * chains onto the entry the previous one committed and the chain never forks.
     */
    public Uni<AuditHeadEntity> lockHead() {
        return findById(AuditHeadEntity.ID, LockModeType.PESSIMISTIC_WRITE).map(AuditHeadRepository::present);
    }

    /** The head as committed, without a lock (for verification). */
    public Uni<AuditHeadEntity> head() {
        return findById(AuditHeadEntity.ID).map(AuditHeadRepository::present);
    }

    private static AuditHeadEntity present(AuditHeadEntity head) {
        if (head == null) {
            // the migration inserts it and nothing deletes it: its absence is damage, not a state
            throw new IllegalStateException("audit_chain_head row is missing: the audit log cannot be appended to");
        }
        return head;
    }
}
