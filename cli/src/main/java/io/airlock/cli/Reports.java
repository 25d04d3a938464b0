package io.airlock.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.formats.Format;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints reports as JSON (the records themselves) or as text (a line per stage, then the verdict). */
final class Reports {
    /** Formats and kinds print as their stable lower-case ids, as everywhere else in Airlock. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule("airlock-ids")
                    .addSerializer(Format.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Format f, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(f.id());
                        }
                    })
                    .addSerializer(Kind.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Kind k, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(k.wire());
                        }
                    }));
    private static final int EVIDENCE_MAX = 200;

    private Reports() {
    }

    static String json(Object report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("report not serialisable: " + e.getMessage(), e);
        }
    }

    /** The report as a tree, for a command that adds what only it knows (e.g. a corpus signature state). */
    static com.fasterxml.jackson.databind.node.ObjectNode jsonTree(Object report) {
        return JSON.valueToTree(report);
    }

    /** Findings and stages of a local run as SARIF 2.1.0; the artifact named by its file name. */
    static String sarif(String toolVersion, java.nio.file.Path file, long size, String sha256, List<StageResult> stages,
                        List<Finding> findings) {
        return io.airlock.contracts.Sarif.log(toolVersion, "airlock/local/" + file.getFileName(),
                new io.airlock.contracts.Sarif.Artifact(file.getFileName().toString(), size, sha256), stages, findings,
                Map.of()).toPrettyString();
    }

    static void stages(PrintWriter out, List<StageResult> stages) {
        for (StageResult s : stages) {
            String time = s.status() == StageStatus.SKIPPED || s.status() == StageStatus.NOT_RUN
                    ? "-" : String.format("%.1f ms", s.durationMicros() / 1000.0);
            out.printf("%-16s %-8s %9s  %s%n", s.stage(), s.status(), time, summary(s.details()));
            findings(out, s.findings());
        }
    }

    static void findings(PrintWriter out, List<Finding> findings) {
        for (Finding f : findings) {
            out.printf("  %-8s %s: %s%s%s%n", f.severity(), f.rule(), f.message(),
                    f.location().isEmpty() ? "" : " at " + f.location(),
                    f.evidence().isEmpty() ? "" : " [" + cut(f.evidence()) + "]");
        }
    }

    /** The details worth a glance; reason first, since a stage that did not run must say why. */
    private static String summary(Map<String, String> d) {
        if (d.containsKey("reason")) {
            return d.get("reason");
        }
        return d.entrySet().stream()
                .filter(e -> !e.getKey().equals("evidence"))
                .map(e -> e.getKey() + "=" + cut(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    private static String cut(String s) {
        String one = s.replace('\n', ' ');
        return one.length() <= EVIDENCE_MAX ? one : one.substring(0, EVIDENCE_MAX) + "...";
    }
}
