package io.airlock.registry.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.contracts.Finding;
import io.airlock.registry.model.service.ModelRecord;
import io.airlock.registry.submission.service.RegistryEvent;
import io.airlock.registry.submission.service.SubmissionRecord;

import java.util.Locale;

/** Small JSON builders shared by the report formats. */
final class Reports {
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Reports() {
    }

    static ObjectNode submission(SubmissionRecord s) {
        ObjectNode o = JSON.objectNode();
        o.put("id", s.id());
        o.put("kind", s.kind().wire());
        o.put("name", s.name());
        o.put("filename", s.filename());
        o.put("blob", s.blob());
        o.put("sha256", s.sha256());
        o.put("size", s.size());
        o.put("sourceUrl", s.sourceUrl());
        o.put("expectedSha256", s.expectedSha256());
        o.put("hasSignature", s.hasSignature());
        o.put("precheck", s.precheck());
        o.put("status", s.status().wire());
        o.put("attempt", s.attempt());
        o.put("terminal", s.status().terminal());
        o.put("createdAt", s.createdAt().toString());
        o.put("updatedAt", s.updatedAt().toString());
        return o;
    }

    static ObjectNode finding(Finding f) {
        ObjectNode o = JSON.objectNode();
        o.put("rule", f.rule());
        o.put("severity", f.severity().name());
        o.put("stage", f.stage());
        o.put("location", f.location());
        o.put("message", f.message());
        if (!f.evidence().isEmpty()) {
            o.put("evidence", f.evidence());
        }
        return o;
    }

    static ObjectNode stage(RegistryEvent.StageEvent e) {
        ObjectNode o = JSON.objectNode();
        var r = e.result();
        o.put("seq", e.seq());
        o.put("attempt", e.attempt());
        o.put("stage", r.stage());
        o.put("status", r.status().name());
        o.put("durationMs", r.durationMicros() / 1000.0);
        o.put("service", e.service());
        o.put("recordedAt", e.at().toString());
        ArrayNode findings = o.putArray("findings");
        r.findings().forEach(f -> findings.add(finding(f)));
        ObjectNode details = o.putObject("details");
        r.details().forEach(details::put);
        return o;
    }

    static ObjectNode status(RegistryEvent.StatusEvent e) {
        ObjectNode o = JSON.objectNode();
        o.put("seq", e.seq());
        o.put("attempt", e.attempt());
        o.put("status", e.status().wire());
        o.put("reason", e.reason());
        o.put("actor", e.actor());
        o.put("at", e.at().toString());
        return o;
    }

    static ObjectNode model(ModelRecord m) {
        ObjectNode o = JSON.objectNode();
        o.put("id", m.id());
        o.put("attempt", m.attempt());
        o.put("state", m.state().wire());
        o.put("sha256", m.sha256());
        o.put("size", m.size());
        o.put("promotedAt", m.promotedAt().toString());
        o.put("promotedBy", m.promotedBy());
        o.put("verifiedAt", m.verifiedAt().toString());
        o.put("policyVersion", m.policyVersion());
        m.deletedAt().ifPresent(d -> {
            o.put("deletedAt", d.toString());
            o.put("deletedBy", m.deletedBy());
            o.put("deleteReason", m.deleteReason());
        });
        return o;
    }

    /** A severity as CycloneDX spells it. */
    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
