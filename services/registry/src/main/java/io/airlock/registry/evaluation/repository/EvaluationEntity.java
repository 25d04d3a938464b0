package io.airlock.registry.evaluation.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/** A row of {@code evaluations} (see V4__evaluations.sql). Deleting sets {@code deletedAt}. */
@Entity
@Table(name = "evaluations")
public class EvaluationEntity {
    @Id
    public String id;
    public String name;
    @Column(name = "model_id")
    public String modelId;
    @Column(name = "corpus_ref")
    public String corpusRef;
    @Column(name = "corpus_digest")
    public String corpusDigest;
    public String schedule;
    @Column(name = "fail_model_on_drift")
    public boolean failModelOnDrift;
    @Column(name = "max_attack_success_rate")
    public double maxAttackSuccessRate;
    @Column(name = "next_fire_at")
    public Instant nextFireAt;
    public String phase;
    // jsonb travels as text (see StageResultEntity)
    @ColumnTransformer(read = "cast(conditions as text)", write = "cast(cast(? as text) as jsonb)")
    public String conditions;
    @Column(name = "degrades_model")
    public boolean degradesModel;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "deleted_at")
    public Instant deletedAt;
    @Column(name = "deleted_by")
    public String deletedBy;
}
