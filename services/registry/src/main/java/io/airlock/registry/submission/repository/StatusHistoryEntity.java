package io.airlock.registry.submission.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code status_history}: a submission entered a status in an attempt. */
@Entity
@Table(name = "status_history")
public class StatusHistoryEntity {
    // allocationSize 1: seq must be taken inside the writing transaction (under the submission's
    // row lock), never from a block pre-allocated by one JVM, or event order would not be commit order
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "status_event_seq")
    @SequenceGenerator(name = "status_event_seq", sequenceName = "event_seq", allocationSize = 1)
    public Long seq;
    @Column(name = "submission_id")
    public String submissionId;
    public int attempt;
    public String status;
    public String reason;
    public String actor;
    public Instant at;
}
