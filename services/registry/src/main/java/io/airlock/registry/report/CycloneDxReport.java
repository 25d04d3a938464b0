package io.airlock.registry.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.registry.submission.service.SubmissionRecord;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static io.airlock.registry.report.Reports.JSON;

/**
 * One attempt as a CycloneDX 1.5 JSON BOM: the artifact is the one component (type
 * machine-learning-model or file) with its SHA-256, the airlock verdict as its properties, and each
 * finding as a vulnerability that affects it, rated with the finding's severity.
 */
public final class CycloneDxReport {
    public static final String MEDIA_TYPE = "application/vnd.cyclonedx+json";

    private CycloneDxReport() {
    }

    public static ObjectNode of(ReportData d) {
        SubmissionRecord s = d.detail().submission();
        String ref = "airlock:submission/" + s.id();

        ObjectNode bom = JSON.objectNode();
        bom.put("bomFormat", "CycloneDX");
        bom.put("specVersion", "1.5");
        // the same submission, attempt and events give the same serial: a re-download is the same BOM
        bom.put("serialNumber", "urn:uuid:" + UUID.nameUUIDFromBytes(("airlock:" + s.id() + ":" + d.attempt() + ":"
                + d.lastSeq()).getBytes(StandardCharsets.UTF_8)));
        bom.put("version", 1);
        ObjectNode metadata = bom.putObject("metadata");
        metadata.put("timestamp", d.generatedAt().toString());
        ObjectNode tool = metadata.putObject("tools").putArray("components").addObject();
        tool.put("type", "application");
        tool.put("name", "airlock");
        tool.put("version", d.toolVersion());

        ObjectNode component = bom.putArray("components").addObject();
        component.put("type", s.kind() == Kind.MODEL ? "machine-learning-model" : "file");
        component.put("bom-ref", ref);
        component.put("name", !s.name().isEmpty() ? s.name() : !s.filename().isEmpty() ? s.filename() : s.blob());
        ObjectNode hash = component.putArray("hashes").addObject();
        hash.put("alg", "SHA-256");
        hash.put("content", s.sha256());
        ArrayNode props = component.putArray("properties");
        property(props, "airlock:submissionId", s.id());
        property(props, "airlock:kind", s.kind().wire());
        property(props, "airlock:filename", s.filename());
        property(props, "airlock:size", Long.toString(s.size()));
        property(props, "airlock:attempt", Integer.toString(d.attempt()));
        property(props, "airlock:status", d.status().wire());
        property(props, "airlock:precheck", s.precheck());
        d.model().ifPresent(m -> {
            property(props, "airlock:modelId", m.id());
            property(props, "airlock:modelState", m.state().wire());
            property(props, "airlock:policyVersion", m.policyVersion());
        });
        d.stages().forEach(st -> property(props, "airlock:stage:" + st.result().stage(), st.result().status().name()));

        ArrayNode vulns = bom.putArray("vulnerabilities");
        List<Finding> findings = d.findings();
        for (int i = 0; i < findings.size(); i++) {
            Finding f = findings.get(i);
            ObjectNode v = vulns.addObject();
            v.put("bom-ref", "airlock:finding/" + s.id() + "/" + d.attempt() + "/" + i);
            v.put("id", f.rule());
            v.putObject("source").put("name", "airlock");
            ObjectNode rating = v.putArray("ratings").addObject();
            rating.putObject("source").put("name", "airlock");
            rating.put("severity", Reports.lower(f.severity()));
            rating.put("method", "other");
            v.put("description", f.message().isEmpty() ? f.rule() : f.message());
            if (!f.location().isEmpty()) {
                v.put("detail", "location: " + f.location());
            }
            v.putArray("affects").addObject().put("ref", ref);
            ArrayNode vp = v.putArray("properties");
            property(vp, "airlock:stage", f.stage());
            property(vp, "airlock:location", f.location());
            property(vp, "airlock:evidence", f.evidence());
        }
        return bom;
    }

    private static void property(ArrayNode props, String name, String value) {
        if (value != null && !value.isEmpty()) {
            ObjectNode p = props.addObject();
            p.put("name", name);
            p.put("value", value);
        }
    }
}
