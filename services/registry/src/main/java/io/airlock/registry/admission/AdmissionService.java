package io.airlock.registry.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.registry.model.service.ModelRecord;
import io.airlock.registry.model.service.ModelService;
import io.airlock.registry.model.service.ModelState;
import io.airlock.registry.model.service.StageSummary;
import io.airlock.registry.common.RegistryException;
import io.airlock.signing.Dsse;
import io.airlock.signing.InToto;
import io.airlock.signing.SigningException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Signed admission: an in-toto Statement v1 over a promoted model's SHA-256 with the verdict, the
 * stage summary and the policy version, in a DSSE envelope signed with the registry's key.
 *
 * <p>It is issued on request from what was recorded at promotion (digest re-verified by the
 * registry itself, stages, policy), stamped with {@code issuedAt}, and only while the model is
 * active: a deleted or superseded model gets none, so a serving system that fetches a fresh
 * statement learns of a withdrawal. A statement already handed out stays valid as a record of
 * what was admitted; {@code issuedAt} tells its age.
 */
@ApplicationScoped
public class AdmissionService {
    public static final String PREDICATE_TYPE = "https://airlock.dev/attestation/admission/v1";

    @Inject
    ModelService models;
    @Inject
    AdmissionSigner signer;
    @Inject
    ObjectMapper json;

    Clock clock = Clock.systemUTC();

    /** The signed statement of an active model; 404 for an unknown one, 409 for one no longer admitted. */
    public Uni<Dsse> attest(String modelId) {
        return models.get(modelId).map(m -> {
            if (m.state() != ModelState.ACTIVE) {
                throw RegistryException.precondition("model '" + modelId + "' is " + m.state().name().toLowerCase()
                        + ": no admission is issued for it");
            }
            try {
                return Dsse.sign(Dsse.IN_TOTO, statement(m).toBytes(), signer.signer());
            } catch (SigningException e) {
                throw new IllegalStateException("signing failed: " + e.getMessage(), e);
            }
        });
    }

    InToto statement(ModelRecord m) {
        ObjectNode p = json.createObjectNode();
        p.put("verdict", "promoted");
        p.put("modelId", m.id());
        p.put("submissionId", m.submissionId());
        p.put("attempt", m.attempt());
        p.put("name", m.name());
        p.put("size", m.size());
        p.put("promotedAt", m.promotedAt().toString());
        p.put("digestVerifiedAt", m.verifiedAt().toString());
        p.put("policyVersion", m.policyVersion());
        ArrayNode stages = p.putArray("stages");
        for (StageSummary s : m.stages()) {
            ObjectNode o = stages.addObject();
            o.put("stage", s.stage());
            o.put("status", s.status());
            o.put("findings", s.findings());
            o.put("worstSeverity", s.worstSeverity());
            ArrayNode rules = o.putArray("rules");
            s.rules().forEach(rules::add);
        }
        p.put("issuedAt", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        p.put("issuer", "airlock-registry");
        p.put("keyId", signer.signer().keyId());
        p.put("keyEphemeral", signer.ephemeral());
        String subject = m.filename().isEmpty() ? m.name() : m.filename();
        return new InToto(List.of(new InToto.Subject(subject, Map.of("sha256", m.sha256()))), PREDICATE_TYPE, p);
    }
}
