package io.airlock.registry.submission.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code submissions}: one artifact and where it stands. Status and kind hold their wire names. */
@Entity
@Table(name = "submissions")
public class SubmissionEntity {
    @Id
    public String id;
    public String kind;
    public String name;
    public String filename;
    public String blob;
    public long size;
    public String sha256;
    @Column(name = "source_url")
    public String sourceUrl;
    @Column(name = "expected_sha256")
    public String expectedSha256;
    @Column(name = "has_signature")
    public boolean hasSignature;
    public String status;
    public int attempt;
    public String precheck;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
