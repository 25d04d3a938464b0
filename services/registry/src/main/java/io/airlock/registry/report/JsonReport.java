package io.airlock.registry.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageStatus;

import java.util.EnumMap;
import java.util.Map;

import static io.airlock.registry.report.Reports.JSON;

/**
 * The full report of one attempt ({@code airlock.report/v1}): the submission, the attempt's outcome,
 * its stages with findings (with their evidence, unless withheld from a submitter), the stages
 * that did not run and why, the whole status history, the model if one was promoted, and the
 * audit entries about the submission.
 */
public final class JsonReport {
    public static final String SCHEMA_VERSION = "airlock.report/v1";

    private JsonReport() {
    }

    public static ObjectNode of(ReportData d) {
        ObjectNode o = JSON.objectNode();
        o.put("schemaVersion", SCHEMA_VERSION);
        o.put("generatedAt", d.generatedAt().toString());
        ObjectNode tool = o.putObject("tool");
        tool.put("name", "airlock");
        tool.put("component", "registry");
        tool.put("version", d.toolVersion());
        o.set("submission", Reports.submission(d.detail().submission()));
        o.put("attempt", d.attempt());
        // a submitter's report leaves evidence out (airlock.precheck.show-evidence) and says so
        o.put("evidenceWithheld", d.evidenceWithheld());
        ObjectNode outcome = o.putObject("outcome");
        outcome.put("status", d.status().wire());
        outcome.put("final", d.status().terminal());
        d.outcome().ifPresent(h -> {
            outcome.put("reason", h.reason());
            outcome.put("actor", h.actor());
            outcome.put("at", h.at().toString());
        });

        Map<Severity, Integer> bySeverity = new EnumMap<>(Severity.class);
        for (Finding f : d.findings()) {
            bySeverity.merge(f.severity(), 1, Integer::sum);
        }
        ObjectNode summary = o.putObject("summary");
        summary.put("findings", d.findings().size());
        ObjectNode counts = summary.putObject("bySeverity");
        for (Severity s : Severity.values()) {
            counts.put(s.name(), bySeverity.getOrDefault(s, 0));
        }
        // capability honesty: what did not run is listed with its reason, never folded into "passed"
        ArrayNode notRun = summary.putArray("notRun");
        d.stages().stream().filter(s -> s.result().status() == StageStatus.NOT_RUN
                || s.result().status() == StageStatus.SKIPPED).forEach(s -> {
            ObjectNode n = notRun.addObject();
            n.put("stage", s.result().stage());
            n.put("status", s.result().status().name());
            n.put("reason", s.result().details().getOrDefault("reason", ""));
        });

        ArrayNode stages = o.putArray("stages");
        d.stages().forEach(s -> stages.add(Reports.stage(s)));
        ArrayNode findings = o.putArray("findings");
        d.findings().forEach(f -> findings.add(Reports.finding(f)));
        ArrayNode history = o.putArray("history");
        d.detail().history().forEach(h -> history.add(Reports.status(h)));
        d.model().ifPresent(m -> o.set("model", Reports.model(m)));
        ArrayNode audit = o.putArray("audit");
        d.audit().forEach(e -> {
            ObjectNode a = audit.addObject();
            a.put("seq", e.seq());
            a.put("at", e.at().toString());
            a.put("actor", e.actor());
            a.put("action", e.action());
            a.set("details", e.details());
            a.put("entryHash", e.entryHash());
        });
        return o;
    }
}
