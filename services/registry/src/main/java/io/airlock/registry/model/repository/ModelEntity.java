package io.airlock.registry.model.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/** A row of {@code models}: one promotion of one attempt of a submission. Deleting sets {@code deletedAt}. */
@Entity
@Table(name = "models")
public class ModelEntity {
    @Id
    public String id;
    @Column(name = "submission_id")
    public String submissionId;
    public int attempt;
    public String name;
    public String filename;
    public String blob;
    public String sha256;
    public long size;
    @Column(name = "promoted_at")
    public Instant promotedAt;
    @Column(name = "promoted_by")
    public String promotedBy;
    @Column(name = "verified_at")
    public Instant verifiedAt;
    // jsonb travels as text (see StageResultEntity)
    @ColumnTransformer(read = "cast(stage_summary as text)", write = "cast(cast(? as text) as jsonb)")
    @Column(name = "stage_summary")
    public String stageSummary;
    @Column(name = "policy_version")
    public String policyVersion;
    @Column(name = "deleted_at")
    public Instant deletedAt;
    @Column(name = "deleted_by")
    public String deletedBy;
    @Column(name = "delete_reason")
    public String deleteReason;
}
