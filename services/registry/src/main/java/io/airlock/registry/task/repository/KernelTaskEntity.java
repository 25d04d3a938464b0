package io.airlock.registry.task.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** A row of {@code kernel_tasks}: one version of a task. Never changed once written. */
@Entity
@Table(name = "kernel_tasks")
@IdClass(KernelTaskEntity.Key.class)
public class KernelTaskEntity {
    @Id
    public String name;
    @Id
    public int version;
    public String digest;
    public String lang;
    // jsonb travels as text (see StageResultEntity)
    @ColumnTransformer(read = "cast(summary as text)", write = "cast(cast(? as text) as jsonb)")
    public String summary;
    @ColumnTransformer(read = "cast(files as text)", write = "cast(cast(? as text) as jsonb)")
    public String files;
    @ColumnTransformer(read = "cast(notes as text)", write = "cast(cast(? as text) as jsonb)")
    public String notes;
    public byte[] bundle;
    public long size;
    @Column(name = "registered_by")
    public String registeredBy;
    @Column(name = "registered_at")
    public Instant registeredAt;

    /** The primary key (name, version). */
    public static class Key implements Serializable {
        public String name;
        public int version;

        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.version == version && Objects.equals(k.name, name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, version);
        }
    }
}
