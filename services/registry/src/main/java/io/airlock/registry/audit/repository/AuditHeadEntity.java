package io.airlock.registry.audit.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The one row of {@code audit_chain_head}: the last entry's seq and hash. Every appender locks it first. */
@Entity
@Table(name = "audit_chain_head")
public class AuditHeadEntity {
    public static final int ID = 1;

    @Id
    public Integer id;
    public long seq;
    @Column(name = "entry_hash")
    public String entryHash;
}
