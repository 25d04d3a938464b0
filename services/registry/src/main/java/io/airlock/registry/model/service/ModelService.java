package io.airlock.registry.model.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.registry.audit.service.AuditActions;
import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.model.repository.ModelEntity;
import io.airlock.registry.model.repository.ModelRepository;
import io.airlock.registry.common.RegistryException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Promoted models: recorded at promotion, listed while active, deleted by operators (softly, with an audit entry). */
@ApplicationScoped
public class ModelService {
    private static final TypeReference<List<StageSummary>> SUMMARY = new TypeReference<>() {
    };
    private static final Pattern MODEL_ID = Pattern.compile("[0-9a-f-]{36}");

    @Inject
    ModelRepository models;
    @Inject
    AuditLog audit;
    @Inject
    ObjectMapper json;

    /** Records a model. Runs inside the promotion's transaction; the caller holds the submission's row lock. */
    public Uni<ModelRecord> create(ModelDraft d) {
        ModelEntity e = new ModelEntity();
        e.id = UUID.randomUUID().toString();
        e.submissionId = d.submissionId();
        e.attempt = d.attempt();
        e.name = d.name();
        e.filename = d.filename();
        e.blob = d.blob();
        e.sha256 = d.sha256();
        e.size = d.size();
        e.promotedAt = d.promotedAt();
        e.promotedBy = d.promotedBy();
        e.verifiedAt = d.verifiedAt();
        e.stageSummary = write(d.stages());
        e.policyVersion = d.policyVersion();
        e.deletedBy = "";
        e.deleteReason = "";
        return models.persist(e).map(x -> record(e, ModelState.ACTIVE));
    }

    /** A page of listed models (active: promoted now, not deleted, never hacked), newest first. */
    @WithSession
    public Uni<ModelPage> list(ModelQuery q) {
        var filter = new ModelRepository.Filter(q.since(), q.name(), q.sha256(), q.submitter());
        return models.page(filter, q.limit(), q.offset()).map(p -> new ModelPage(p.total(), q.limit(), q.offset(),
                p.rows().stream().map(e -> record(e, ModelState.ACTIVE)).toList()));
    }

    /** Any model row, deleted and superseded ones included; NOT_FOUND when unknown. */
    @WithSession
    public Uni<ModelRecord> get(String id) {
        return find(id).flatMap(e -> state(e).map(s -> record(e, s)));
    }

    /**
     * Passes if the model came from a submission of {@code user}; another user's model answers NOT_FOUND
     * exactly like an unknown id, so ids do not leak.
     */
    @WithSession
    public Uni<Void> requireOwner(String id, String user) {
        return find(id).flatMap(e -> models.ownedBy(id, user)).map(owned -> {
            if (!owned) {
                throw notFound(id);
            }
            return null;
        });
    }

    /**
     * Deletes a model: it leaves the listing, its row stays with who deleted it and why, and the audit
     * log gets an entry. Deleting a deleted model changes nothing and writes no second entry.
     */
    public Uni<ModelRecord> delete(String id, String actor, String reason) {
        lookup(id);
        return Panache.withTransaction(() -> models.lock(id).flatMap(found -> {
            ModelEntity e = found.orElseThrow(() -> notFound(id));
            if (e.deletedAt != null) {
                return Uni.createFrom().item(record(e, ModelState.DELETED));
            }
            e.deletedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            e.deletedBy = actor;
            e.deleteReason = reason;
            Map<String, String> details = new LinkedHashMap<>();
            details.put("submissionId", e.submissionId);
            details.put("attempt", Integer.toString(e.attempt));
            details.put("sha256", e.sha256);
            details.put("reason", reason);
            return audit.append(actor, AuditActions.MODEL_DELETE, AuditActions.model(id), details)
                    .map(x -> record(e, ModelState.DELETED));
        }));
    }

    /** The model recorded for one attempt of a submission, if it was promoted. */
    @WithSession
    public Uni<Optional<ModelRecord>> forAttempt(String submissionId, int attempt) {
        return models.find("submissionId = ?1 and attempt = ?2", submissionId, attempt).firstResult()
                .flatMap(e -> e == null ? Uni.createFrom().item(Optional.<ModelRecord>empty())
                        : state(e).map(s -> Optional.of(record(e, s))));
    }

    private Uni<ModelState> state(ModelEntity e) {
        if (e.deletedAt != null) {
            return Uni.createFrom().item(ModelState.DELETED);
        }
        return models.listed(e.id).flatMap(listed -> listed ? Uni.createFrom().item(ModelState.ACTIVE)
                : models.promoted(e.id).map(promoted -> promoted ? ModelState.DEGRADED : ModelState.SUPERSEDED));
    }

    private Uni<ModelEntity> find(String id) {
        lookup(id);
        return models.findById(id).map(e -> {
            if (e == null) {
                throw notFound(id);
            }
            return e;
        });
    }

    private static void lookup(String id) {
        // an id that could never have been issued is simply not there
        if (id == null || !MODEL_ID.matcher(id).matches()) {
            throw notFound(String.valueOf(id));
        }
    }

    private static RegistryException notFound(String id) {
        return RegistryException.notFound("model", id);
    }

    private ModelRecord record(ModelEntity e, ModelState state) {
        return new ModelRecord(e.id, e.submissionId, e.attempt, e.name, e.filename, e.blob, e.sha256.trim(), e.size,
                e.promotedAt, e.promotedBy, e.verifiedAt, read(e.stageSummary), e.policyVersion, state,
                Optional.ofNullable(e.deletedAt), e.deletedBy, e.deleteReason);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private List<StageSummary> read(String text) {
        try {
            return json.readValue(text, SUMMARY);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException("stored JSON does not parse", ex);
        }
    }
}
