package io.airlock.registry.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.contracts.Sarif;
import io.airlock.registry.submission.service.RegistryEvent;
import io.airlock.registry.submission.service.SubmissionRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/** One attempt of a submission as a SARIF 2.1.0 log (see {@link Sarif}). */
public final class SarifReport {
    public static final String MEDIA_TYPE = Sarif.MEDIA_TYPE;

    private SarifReport() {
    }

    public static ObjectNode of(ReportData d) {
        SubmissionRecord s = d.detail().submission();
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("submissionId", s.id());
        props.put("kind", s.kind().wire());
        props.put("attempt", d.attempt());
        props.put("status", d.status().wire());
        d.model().ifPresent(m -> props.put("modelId", m.id()));
        props.put("evidenceWithheld", d.evidenceWithheld());
        return Sarif.log(d.toolVersion(), "airlock/" + s.id() + "/attempt-" + d.attempt(),
                new Sarif.Artifact(s.filename().isEmpty() ? s.blob() : s.filename(), s.size(), s.sha256()),
                d.stages().stream().map(RegistryEvent.StageEvent::result).toList(), d.findings(), props);
    }
}
