package io.airlock.registry.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.registry.model.service.ModelRecord;
import io.airlock.registry.model.service.ModelService;
import io.airlock.registry.model.service.ModelState;
import io.airlock.registry.model.service.StageSummary;
import io.airlock.registry.common.RegistryException;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.submission.service.RegistryEvent;
import io.airlock.registry.submission.service.SubmissionDetail;
import io.airlock.registry.submission.service.SubmissionQueryService;
import io.airlock.registry.submission.service.SubmissionRecord;
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
    /** Kernels: admitted (handed to the kernel runner), with whether the judge proved them. */
    public static final String KERNEL_PREDICATE_TYPE = "https://airlock.dev/attestation/kernel-admission/v1";
    static final String BEHAVIORAL_TEST = "behavioral_test";

    @Inject
    ModelService models;
    @Inject
    SubmissionQueryService submissions;
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

    /**
     * The signed statement of an admitted kernel submission: 404 for an unknown one, 409 for one that is not an
     * admitted kernel now (a re-scan starts a new attempt, which has no admission until it is admitted again).
     */
    public Uni<Dsse> attestKernel(String submissionId) {
        return submissions.get(submissionId).map(d -> {
            SubmissionRecord s = d.submission();
            if (s.kind() != Kind.KERNEL || s.status() != SubmissionStatus.ADMITTED) {
                throw RegistryException.precondition("submission '" + submissionId + "' is " + s.kind().wire() + " "
                        + s.status().wire() + ": admission statements of kernels are issued for admitted kernels");
            }
            try {
                return Dsse.sign(Dsse.IN_TOTO, kernelStatement(d).toBytes(), signer.signer());
            } catch (SigningException e) {
                throw new IllegalStateException("signing failed: " + e.getMessage(), e);
            }
        });
    }

    /**
     * {@code proof} is "judged" when the attempt's behavioral_test passed and "unproven" otherwise (NOT_RUN
     * under if-runnable or off: admitted without the behavioral proof), decided from the recorded stage, never
     * from a message's text; {@code proofReason} is the stage's reason.
     */
    InToto kernelStatement(SubmissionDetail d) {
        SubmissionRecord s = d.submission();
        List<RegistryEvent.StageEvent> stages = d.stages().stream().filter(e -> e.attempt() == s.attempt()).toList();
        var behavioral = stages.stream().filter(e -> e.result().stage().equals(BEHAVIORAL_TEST)).reduce((a, b) -> b);
        boolean judged = behavioral.map(e -> e.result().status() == StageStatus.PASS).orElse(false);
        ObjectNode p = json.createObjectNode();
        p.put("verdict", "admitted");
        p.put("kind", "kernel");
        p.put("proof", judged ? "judged" : "unproven");
        p.put("proofReason", behavioral.map(e -> e.result().details().getOrDefault("reason", e.result().status().name()))
                .orElse("no behavioral_test stage was recorded"));
        p.put("submissionId", s.id());
        p.put("attempt", s.attempt());
        p.put("name", s.name());
        p.put("size", s.size());
        p.put("task", s.task());
        p.put("taskDigest", s.taskDigest());
        d.history().stream().filter(h -> h.attempt() == s.attempt() && h.status() == SubmissionStatus.ADMITTED)
                .reduce((a, b) -> b).ifPresent(h -> p.put("admittedAt", h.at().toString()));
        ArrayNode list = p.putArray("stages");
        for (RegistryEvent.StageEvent e : stages) {
            list.addObject().put("stage", e.result().stage()).put("status", e.result().status().name())
                    .put("findings", e.result().findings().size());
        }
        p.put("issuedAt", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        p.put("issuer", "airlock-registry");
        p.put("keyId", signer.signer().keyId());
        p.put("keyEphemeral", signer.ephemeral());
        String subject = s.filename().isEmpty() ? s.name() : s.filename();
        return new InToto(List.of(new InToto.Subject(subject, Map.of("sha256", s.sha256()))), KERNEL_PREDICATE_TYPE, p);
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
