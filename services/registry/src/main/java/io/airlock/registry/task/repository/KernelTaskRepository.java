package io.airlock.registry.task.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;

/** Access to {@code kernel_tasks}. Callers provide the session or transaction. */
@ApplicationScoped
public class KernelTaskRepository implements PanacheRepositoryBase<KernelTaskEntity, KernelTaskEntity.Key> {

    /** Every version of a task, newest first. */
    public Uni<List<KernelTaskEntity>> versions(String name) {
        return find("name = ?1 order by version desc", name).list();
    }

    /** The newest version of every task, by name. */
    public Uni<List<KernelTaskEntity>> latestOfEach() {
        return find("from KernelTaskEntity t where t.version = (select max(u.version) from KernelTaskEntity u "
                + "where u.name = t.name) order by t.name").list();
    }

    /** The newest version of a task. */
    public Uni<Optional<KernelTaskEntity>> latest(String name) {
        return find("name = ?1 order by version desc", name).firstResult().map(Optional::ofNullable);
    }

    /** The version of {@code name} with these files, if one was registered. */
    public Uni<Optional<KernelTaskEntity>> withDigest(String name, String digest) {
        return find("name = ?1 and digest = ?2", name, digest).firstResult().map(Optional::ofNullable);
    }
}
