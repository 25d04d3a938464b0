package io.airlock.registry.audit.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/** A row of {@code audit_log}. Written once, never updated (a trigger refuses UPDATE and DELETE). */
@Entity
@Table(name = "audit_log")
public class AuditEntryEntity {
    // assigned, not generated: the chain head's seq + 1, taken under the head's lock, so there are no gaps
    @Id
    public Long seq;
    public Instant at;
    public String actor;
    public String action;
    public String subject;
    // jsonb travels as text (see StageResultEntity)
    @ColumnTransformer(read = "cast(details as text)", write = "cast(cast(? as text) as jsonb)")
    public String details;
    @Column(name = "hash_alg")
    public String hashAlg;
    @Column(name = "prev_hash")
    public String prevHash;
    @Column(name = "entry_hash")
    public String entryHash;
}
