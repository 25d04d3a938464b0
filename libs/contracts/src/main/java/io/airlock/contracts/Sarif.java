package io.airlock.contracts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Findings as a SARIF 2.1.0 log, the same for the registry's reports and the CLI: one run whose
 * driver is "airlock", a rule per distinct finding rule, a result per finding (level from
 * severity), the artifact with its SHA-256, and the stages that did not run (or broke) as tool
 * notifications, so a SARIF viewer does not read them as clean.
 */
public final class Sarif {
    public static final String MEDIA_TYPE = "application/sarif+json";
    public static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The artifact the findings are about; sha256 "" when it was not hashed. */
    public record Artifact(String name, long length, String sha256) {
    }

    private Sarif() {
    }

    /** CRITICAL and HIGH reject by default: errors. MEDIUM: warning. LOW and INFO: note. */
    public static String level(Severity s) {
        return switch (s) {
            case CRITICAL, HIGH -> "error";
            case MEDIUM -> "warning";
            case LOW, INFO -> "note";
        };
    }

    /**
     * @param automationId identifies the run (e.g. {@code airlock/<submission>/attempt-1})
     * @param properties   run properties (submission id, kind, status...), in order
     */
    public static ObjectNode log(String toolVersion, String automationId, Artifact artifact, List<StageResult> stages,
                                 List<Finding> findings, Map<String, Object> properties) {
        String uri = uri(artifact.name());
        ObjectNode log = JSON.objectNode();
        log.put("$schema", SCHEMA);
        log.put("version", "2.1.0");
        ObjectNode run = log.putArray("runs").addObject();

        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "airlock");
        driver.put("version", toolVersion);
        driver.put("informationUri", "https://airlock.dev/rules");
        // one rule per distinct id, described by its first finding, at the level of its worst one
        Map<String, Integer> ruleIndex = new LinkedHashMap<>();
        Map<String, Severity> worst = new LinkedHashMap<>();
        for (Finding f : findings) {
            worst.merge(f.rule(), f.severity(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        ArrayNode rules = driver.putArray("rules");
        for (Finding f : findings) {
            if (ruleIndex.containsKey(f.rule())) {
                continue;
            }
            ruleIndex.put(f.rule(), ruleIndex.size());
            ObjectNode r = rules.addObject();
            r.put("id", f.rule());
            r.put("name", f.rule());
            r.putObject("shortDescription").put("text", f.message().isEmpty() ? f.rule() : f.message());
            r.putObject("defaultConfiguration").put("level", level(worst.get(f.rule())));
            ObjectNode props = r.putObject("properties");
            props.put("severity", worst.get(f.rule()).name());
            props.put("stage", f.stage());
        }

        run.putObject("automationDetails").put("id", automationId);
        ObjectNode a = run.putArray("artifacts").addObject();
        a.putObject("location").put("uri", uri);
        a.put("length", artifact.length());
        if (!artifact.sha256().isEmpty()) {
            a.putObject("hashes").put("sha-256", artifact.sha256());
        }

        ObjectNode invocation = run.putArray("invocations").addObject();
        boolean errors = stages.stream().anyMatch(st -> st.status() == StageStatus.ERROR);
        invocation.put("executionSuccessful", !errors);
        ArrayNode notes = invocation.putArray("toolExecutionNotifications");
        stages.stream().filter(st -> st.status() != StageStatus.PASS && st.status() != StageStatus.FAIL).forEach(st -> {
            ObjectNode n = notes.addObject();
            n.put("level", st.status() == StageStatus.ERROR ? "error" : "warning");
            n.putObject("message").put("text", "stage " + st.stage() + " " + st.status() + ": "
                    + st.details().getOrDefault("reason", st.details().getOrDefault("error", "no reason given")));
            n.putObject("descriptor").put("id", st.stage());
        });

        ArrayNode results = run.putArray("results");
        for (Finding f : findings) {
            ObjectNode r = results.addObject();
            r.put("ruleId", f.rule());
            r.put("ruleIndex", ruleIndex.get(f.rule()));
            r.put("level", level(f.severity()));
            r.putObject("message").put("text", f.message().isEmpty() ? f.rule() : f.message());
            ObjectNode location = r.putArray("locations").addObject();
            ObjectNode artifactLocation = location.putObject("physicalLocation").putObject("artifactLocation");
            artifactLocation.put("uri", uri);
            artifactLocation.put("index", 0);
            if (!f.location().isEmpty()) {
                // file/member/offset/tensor/line as the stage wrote it: a logical place inside the artifact
                location.putArray("logicalLocations").addObject().put("fullyQualifiedName", f.location());
            }
            ObjectNode props = r.putObject("properties");
            props.put("severity", f.severity().name());
            props.put("stage", f.stage());
            if (!f.evidence().isEmpty()) {
                props.put("evidence", f.evidence());
            }
        }

        ObjectNode props = run.putObject("properties");
        properties.forEach((k, v) -> props.set(k, v instanceof Number n ? JSON.numberNode(n.longValue())
                : JSON.textNode(String.valueOf(v))));
        return log;
    }

    /** A relative URI reference for a file name: unreserved characters kept, everything else percent-encoded. */
    public static String uri(String name) {
        StringBuilder out = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~/".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
