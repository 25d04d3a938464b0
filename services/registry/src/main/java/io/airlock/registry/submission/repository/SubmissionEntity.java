package io.airlock.registry.submission.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.OptimisticLockType;
import org.hibernate.annotations.OptimisticLocking;

import java.time.Instant;

/**
 * A row of {@code submissions}: one artifact and where it stands. Status and kind hold their wire names.
 * A changed row is written as {@code UPDATE ... WHERE id = ? AND status = <previous> AND ...}
 * (dirty optimistic locking): a status change is applied only over the status it was decided on.
 */
@Entity
@DynamicUpdate
@OptimisticLocking(type = OptimisticLockType.DIRTY)
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
    @Column(name = "signature_blob")
    public String signatureBlob;
    /** The user it belongs to (the token's subject); owners see only their own. */
    public String submitter;
    /** Kernels: the task named at submission and the digest of the version pinned ("" when none). */
    public String task;
    @Column(name = "task_digest")
    public String taskDigest;
    public String status;
    public int attempt;
    public String precheck;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
