package io.airlock.registry.submission.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/** A row of {@code stage_results}: what one stage did in one attempt. Findings and details are JSON text. */
@Entity
@Table(name = "stage_results")
public class StageResultEntity {
    // allocationSize 1: see StatusHistoryEntity; both draw from the one event_seq
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "stage_event_seq")
    @SequenceGenerator(name = "stage_event_seq", sequenceName = "event_seq", allocationSize = 1)
    public Long seq;
    @Column(name = "submission_id")
    public String submissionId;
    public int attempt;
    public String stage;
    public String status;
    @Column(name = "duration_micros")
    public long durationMicros;
    // jsonb travels as text: the reactive PG client would encode a Java String bound to a jsonb
    // parameter as a JSON *string*, so the parameter is typed text and cast by PostgreSQL
    @ColumnTransformer(read = "cast(findings as text)", write = "cast(cast(? as text) as jsonb)")
    public String findings;
    @ColumnTransformer(read = "cast(details as text)", write = "cast(cast(? as text) as jsonb)")
    public String details;
    public String service;
    @Column(name = "recorded_at")
    public Instant recordedAt;
}
