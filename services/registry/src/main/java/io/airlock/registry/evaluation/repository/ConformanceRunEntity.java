package io.airlock.registry.evaluation.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/**
 * A row of {@code conformance_runs} without its per-case {@code results}, which can be large and
 * are read and written apart ({@link ConformanceRunRepository#results}), so history pages never load them.
 */
@Entity
@Table(name = "conformance_runs")
public class ConformanceRunEntity {
    @Id
    public String id;
    @Column(name = "evaluation_id")
    public String evaluationId;
    public String trigger;
    public String state;
    @Column(name = "requested_at")
    public Instant requestedAt;
    @Column(name = "requested_by")
    public String requestedBy;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "execution_provider")
    public String executionProvider;
    @Column(name = "corpus_name")
    public String corpusName;
    @Column(name = "corpus_digest")
    public String corpusDigest;
    public int cases;
    public int failed;
    public int attacks;
    public int determined;
    public int flagged;
    public int undetermined;
    @Column(name = "attack_success_rate")
    public double attackSuccessRate;
    @Column(name = "max_attack_success_rate")
    public double maxAttackSuccessRate;
    public boolean passed;
    public String error;
    @ColumnTransformer(read = "cast(details as text)", write = "cast(cast(? as text) as jsonb)")
    public String details;
}
