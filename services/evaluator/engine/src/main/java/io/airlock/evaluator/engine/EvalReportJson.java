package io.airlock.evaluator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.judge.Reason;
import io.airlock.evaluator.engine.judge.Verdict;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.json.StrictJson;
import io.airlock.evaluator.engine.run.CaseResult;
import io.airlock.evaluator.engine.run.CategoryStats;
import io.airlock.evaluator.engine.run.RunReport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of an {@link EvalReport}, written and read field by field (no reflection), so the
 * report a child JVM prints is exactly what the parent reads back, and a malformed or truncated
 * one is an error rather than a half-filled report.
 */
public final class EvalReportJson {
    private EvalReportJson() {
    }

    public static String write(EvalReport r) {
        return StrictJson.write(tree(r));
    }

    public static ObjectNode tree(EvalReport r) {
        ObjectNode o = StrictJson.object();
        o.put("schemaVersion", r.schemaVersion());
        ArrayNode stages = o.putArray("stages");
        r.stages().forEach(s -> stages.add(stage(s)));
        o.put("executionProvider", r.executionProvider());
        o.put("gpu", r.gpu());
        ArrayNode runs = o.putArray("runs");
        r.runs().forEach(x -> runs.add(run(x)));
        o.set("isolation", map(r.isolation()));
        return o;
    }

    private static ObjectNode stage(StageResult s) {
        ObjectNode o = StrictJson.object();
        o.put("stage", s.stage());
        o.put("status", s.status().name());
        o.put("durationMicros", s.durationMicros());
        ArrayNode fs = o.putArray("findings");
        for (Finding f : s.findings()) {
            ObjectNode x = fs.addObject();
            x.put("rule", f.rule());
            x.put("severity", f.severity().name());
            x.put("stage", f.stage());
            x.put("location", f.location());
            x.put("message", f.message());
            x.put("evidence", f.evidence());
        }
        o.set("details", map(s.details()));
        return o;
    }

    private static ObjectNode run(RunReport r) {
        ObjectNode o = StrictJson.object();
        o.put("schemaVersion", r.schemaVersion());
        o.put("corpusName", r.corpusName());
        o.put("corpusDigest", r.corpusDigest());
        o.put("startedAt", r.startedAt());
        o.put("completedAt", r.completedAt());
        o.put("durationMs", r.durationMs());
        o.put("total", r.total());
        o.put("passed", r.passed());
        o.put("failed", r.failed());
        o.put("undetermined", r.undetermined());
        o.put("flagged", r.flagged());
        o.put("critical", r.critical());
        ArrayNode cats = o.putArray("categories");
        for (CategoryStats c : r.categories()) {
            ObjectNode x = cats.addObject();
            x.put("category", c.category());
            x.put("attacks", c.attacks());
            x.put("determined", c.determined());
            x.put("flagged", c.flagged());
            x.put("undetermined", c.undetermined());
            x.put("controls", c.controls());
            x.put("controlsFailed", c.controlsFailed());
            x.put("asr", c.asr());
            x.put("ciLow", c.ciLow());
            x.put("ciHigh", c.ciHigh());
        }
        o.set("environment", map(r.environment()));
        ArrayNode res = o.putArray("results");
        r.results().forEach(c -> res.add(caseResult(c)));
        return o;
    }

    private static ObjectNode caseResult(CaseResult c) {
        ObjectNode x = StrictJson.object();
        x.put("caseId", c.caseId());
        x.put("category", c.category());
        x.put("severity", c.severity());
        x.put("expected", c.expected());
        x.put("actual", c.actual());
        x.put("verdict", c.verdict().name());
        x.put("reason", c.reason().wire());
        x.put("detail", c.detail());
        x.put("flagged", c.flagged());
        x.put("excerpt", c.excerpt());
        x.put("stop", c.stop());
        x.put("promptTokens", c.promptTokens());
        x.put("answerTokens", c.answerTokens());
        x.put("durationMs", c.durationMs());
        return x;
    }

    /**
     * The attempt log: one JSON object per line for every case of every run, each line carrying
     * what a reader of that line alone needs to attribute it (corpus and its digest, model digest,
     * provider, run start), then the case's result as in the report.
     */
    public static void writeAttempts(EvalReport r, java.io.Writer out) throws java.io.IOException {
        for (RunReport run : r.runs()) {
            for (CaseResult c : run.results()) {
                ObjectNode line = StrictJson.object();
                line.put("corpusName", run.corpusName());
                line.put("corpusDigest", run.corpusDigest());
                line.put("runStartedAt", run.startedAt());
                line.put("modelSha256", run.environment().getOrDefault("modelSha256", ""));
                line.put("executionProvider", run.environment().getOrDefault("executionProvider", r.executionProvider()));
                line.setAll(caseResult(c));
                out.write(StrictJson.write(line));
                out.write('\n');
            }
        }
        out.flush();
    }

    private static ObjectNode map(Map<String, String> m) {
        ObjectNode o = StrictJson.object();
        m.forEach(o::put);
        return o;
    }

    /** Reads a report; every field is required and typed. */
    public static EvalReport read(String json) throws SpecException {
        JsonNode n = StrictJson.parse(json.getBytes(StandardCharsets.UTF_8), "evaluation report");
        try {
            List<StageResult> stages = new ArrayList<>();
            for (JsonNode s : arr(n, "stages")) {
                List<Finding> fs = new ArrayList<>();
                for (JsonNode f : arr(s, "findings")) {
                    fs.add(new Finding(str(f, "rule"), Severity.valueOf(str(f, "severity")), str(f, "stage"),
                            str(f, "location"), str(f, "message"), str(f, "evidence")));
                }
                stages.add(new StageResult(str(s, "stage"), StageStatus.valueOf(str(s, "status")),
                        num(s, "durationMicros"), fs, readMap(s.get("details"))));
            }
            List<RunReport> runs = new ArrayList<>();
            for (JsonNode r : arr(n, "runs")) {
                runs.add(readRun(r));
            }
            return new EvalReport(str(n, "schemaVersion"), stages, str(n, "executionProvider"), str(n, "gpu"), runs,
                    readMap(n.get("isolation")));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new SpecException("evaluation report: " + e.getMessage(), e);
        }
    }

    private static RunReport readRun(JsonNode r) {
        List<CategoryStats> cats = new ArrayList<>();
        for (JsonNode c : arr(r, "categories")) {
            cats.add(new CategoryStats(str(c, "category"), (int) num(c, "attacks"), (int) num(c, "determined"),
                    (int) num(c, "flagged"), (int) num(c, "undetermined"), (int) num(c, "controls"),
                    (int) num(c, "controlsFailed"), dbl(c, "asr"), dbl(c, "ciLow"), dbl(c, "ciHigh")));
        }
        List<CaseResult> res = new ArrayList<>();
        for (JsonNode c : arr(r, "results")) {
            res.add(new CaseResult(str(c, "caseId"), str(c, "category"), str(c, "severity"), str(c, "expected"),
                    str(c, "actual"), Verdict.valueOf(str(c, "verdict")), Reason.valueOf(str(c, "reason").toUpperCase()),
                    str(c, "detail"), bool(c, "flagged"), str(c, "excerpt"), str(c, "stop"), (int) num(c, "promptTokens"),
                    (int) num(c, "answerTokens"), num(c, "durationMs")));
        }
        return new RunReport(str(r, "schemaVersion"), str(r, "corpusName"), str(r, "corpusDigest"), str(r, "startedAt"),
                str(r, "completedAt"), num(r, "durationMs"), (int) num(r, "total"), (int) num(r, "passed"),
                (int) num(r, "failed"), (int) num(r, "undetermined"), (int) num(r, "flagged"), (int) num(r, "critical"),
                cats, readMap(r.get("environment")), res);
    }

    private static Iterable<JsonNode> arr(JsonNode n, String k) {
        JsonNode a = n.get(k);
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException(k + ": expected an array");
        }
        return a;
    }

    private static String str(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(k + ": expected a string");
        }
        return v.textValue();
    }

    private static long num(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(k + ": expected an integer");
        }
        return v.longValue();
    }

    private static double dbl(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(k + ": expected a number");
        }
        return v.doubleValue();
    }

    private static boolean bool(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || !v.isBoolean()) {
            throw new IllegalArgumentException(k + ": expected true or false");
        }
        return v.booleanValue();
    }

    private static Map<String, String> readMap(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("expected an object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException(e.getKey() + ": expected a string");
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return m;
    }
}
