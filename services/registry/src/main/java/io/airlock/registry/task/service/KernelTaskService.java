package io.airlock.registry.task.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.TaskBundle;
import io.airlock.registry.audit.service.AuditActions;
import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.common.RegistryException;
import io.airlock.registry.task.repository.KernelTaskEntity;
import io.airlock.registry.task.repository.KernelTaskRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Kernel tasks stored by digest, with versions. Registering the same files under the same name returns the
 * existing version; changed files become the next version. Versions are never changed or deleted.
 */
@ApplicationScoped
public class KernelTaskService {
    /** What a task may be called (the name submissions give with {@code task}). */
    public static final Pattern TASK_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    @Inject
    KernelTaskRepository tasks;
    @Inject
    AuditLog audit;
    @Inject
    ObjectMapper json;

    /** A registration's answer: the version, and whether this call created it. */
    public record Registered(TaskVersion task, boolean created) {
    }

    /** Reads the tar (bounded by TaskBundle), validates task.yml and reference.py, and stores a new version if the files are new. */
    public Uni<Registered> register(String name, byte[] tar, String actor) {
        checkName(name);
        TaskBundle bundle;
        try {
            bundle = TaskBundle.read(new ByteArrayInputStream(tar));
        } catch (FormatViolation e) {
            throw RegistryException.invalid("the task archive is refused (" + e.rule() + "): " + e.getMessage());
        } catch (IOException e) {
            throw RegistryException.invalid("the task archive could not be read: " + e.getMessage());
        }
        TaskSpec spec = TaskSpec.of(bundle);
        return Panache.withTransaction(() -> tasks.withDigest(name, bundle.digest()).flatMap(existing -> {
            if (existing.isPresent()) {
                return Uni.createFrom().item(new Registered(view(existing.get()), false));
            }
            return tasks.latest(name).flatMap(latest -> {
                KernelTaskEntity e = new KernelTaskEntity();
                e.name = name;
                e.version = latest.map(l -> l.version + 1).orElse(1);
                e.digest = bundle.digest();
                e.lang = spec.lang();
                e.summary = write(spec.publicSummary());
                e.files = write(files(bundle, spec));
                e.notes = write(spec.notes());
                e.bundle = bundle.toTar();
                e.size = bundle.size();
                e.registeredBy = actor;
                e.registeredAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                Map<String, String> details = new LinkedHashMap<>();
                details.put("version", Integer.toString(e.version));
                details.put("digest", e.digest);
                details.put("lang", e.lang);
                details.put("files", Integer.toString(bundle.files().size()));
                // a concurrent registration of the same name takes the same version number: the primary key
                // refuses the second, which the caller sees as a conflict to retry
                return tasks.persist(e).chain(() -> audit.append(actor, AuditActions.TASK_REGISTER,
                        AuditActions.task(name), details)).map(x -> new Registered(view(e), true));
            });
        }));
    }

    /** The newest version of every task. */
    @WithSession
    public Uni<List<TaskVersion>> list() {
        return tasks.latestOfEach().map(rows -> rows.stream().map(this::view).toList());
    }

    /** Every version of a task, newest first; NOT_FOUND when none. */
    @WithSession
    public Uni<List<TaskVersion>> versions(String name) {
        checkName(name);
        return tasks.versions(name).map(rows -> {
            if (rows.isEmpty()) {
                throw RegistryException.notFound("task", name);
            }
            return rows.stream().map(this::view).toList();
        });
    }

    /** The newest version of a task, the one a new submission pins; NOT_FOUND when none. */
    @WithSession
    public Uni<TaskVersion> latest(String name) {
        checkName(name);
        return tasks.latest(name).map(t -> view(t.orElseThrow(() -> RegistryException.notFound("task", name))));
    }

    /** The files of the version of {@code name} with {@code digest}, as the tar that was stored. */
    @WithSession
    public Uni<byte[]> bundle(String name, String digest) {
        checkName(name);
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            throw RegistryException.invalid("a task digest is sha256:<64 hex>");
        }
        return tasks.withDigest(name, digest).map(t -> t.orElseThrow(
                () -> RegistryException.notFound("task version", name + "@" + digest)).bundle);
    }

    /** One public file of a version (see TaskSpec); NOT_FOUND for private and unknown files alike. */
    @WithSession
    public Uni<byte[]> publicFile(String name, int version, String file) {
        checkName(name);
        return tasks.findById(key(name, version)).map(e -> {
            if (e == null) {
                throw RegistryException.notFound("task version", name + " v" + version);
            }
            boolean isPublic = view(e).files().stream().anyMatch(f -> f.name().equals(file) && f.publicFile());
            if (!isPublic) {
                throw RegistryException.notFound("public file", file);
            }
            try {
                return TaskBundle.read(new ByteArrayInputStream(e.bundle)).files().get(file);
            } catch (IOException | FormatViolation ex) {
                throw new IllegalStateException("a stored task bundle does not read back", ex);
            }
        });
    }

    private static KernelTaskEntity.Key key(String name, int version) {
        KernelTaskEntity.Key k = new KernelTaskEntity.Key();
        k.name = name;
        k.version = version;
        return k;
    }

    private static void checkName(String name) {
        if (name == null || !TASK_NAME.matcher(name).matches()) {
            throw RegistryException.invalid("a task name is 1-64 of a-z 0-9 _ . - starting with a letter or digit");
        }
    }

    private static List<TaskVersion.TaskFile> files(TaskBundle bundle, TaskSpec spec) {
        List<TaskVersion.TaskFile> out = new ArrayList<>();
        bundle.files().forEach((n, b) -> out.add(new TaskVersion.TaskFile(n, b.length, sha256(b),
                n.equals("task.yml") || spec.publicFiles().contains(n))));
        return out;
    }

    private TaskVersion view(KernelTaskEntity e) {
        try {
            return new TaskVersion(e.name, e.version, e.digest, e.lang, (ObjectNode) json.readTree(e.summary),
                    json.readValue(e.files, new TypeReference<List<TaskVersion.TaskFile>>() {
                    }), json.readValue(e.notes, new TypeReference<List<String>>() {
                    }), e.size, e.registeredBy, e.registeredAt);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
