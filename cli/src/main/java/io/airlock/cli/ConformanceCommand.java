package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code airlock conformance list|show|run|diff}: server-side conformance evaluations, through the
 * gateway (which passes them to the registry). Creating one is a registry call (POST /v1/evaluations,
 * docs/CONFORMANCE.md). Exit codes: 0 ok (show/diff: the newest run passed), 1 the newest run did
 * not pass (show, diff), 2 tool error.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Conformance evaluations of promoted models: list, show NAME, run NAME, diff NAME.",
        subcommands = {ConformanceCommand.ListEvaluations.class, ConformanceCommand.Show.class,
                ConformanceCommand.Run.class, ConformanceCommand.Diff.class})
final class ConformanceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (list, show, run, diff)");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Evaluations with their phase and newest result.")
    static final class ListEvaluations extends RegistryCommands.Remote {
        @picocli.CommandLine.Option(names = "--limit", defaultValue = "50") int limit;

        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/evaluations" + query(Map.of("limit", Integer.toString(limit))));
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
                return ExitCodes.PASS;
            }
            out().printf("%-32s  %-8s  %-14s  %-6s  %-24s  %s%n", "NAME", "PHASE", "SCHEDULE", "ASR", "LAST RUN", "MODEL");
            for (JsonNode e : a.body().path("items")) {
                JsonNode last = e.path("lastResult");
                out().printf("%-32s  %-8s  %-14s  %-6s  %-24s  %s%n", e.path("name").asText(), e.path("phase").asText(),
                        e.path("schedule").asText("-"), last.isMissingNode() ? "-" : rate(last),
                        last.path("finishedAt").asText("-"), e.path("model").asText());
            }
            out().printf("%d of %d%n", a.body().path("items").size(), a.body().path("total").asLong());
            return ExitCodes.PASS;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "An evaluation: corpus and digests, conditions, newest result, history. Exit 1 unless the newest run passed.")
    static final class Show extends RegistryCommands.Remote {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/evaluations/" + name);
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            JsonNode e = a.body();
            if (format == OutputFormat.json) {
                out().println(e.toPrettyString());
            } else {
                out().printf("%s  phase %s  model %s%n", e.path("name").asText(), e.path("phase").asText(), e.path("model").asText());
                out().printf("  corpus %s  pinned %s  digest now %s%n", e.path("corpus").path("ref").asText(),
                        e.path("corpus").path("digest").asText("no"), e.path("corpusDigestNow").asText("unknown (no run yet)"));
                out().printf("  schedule %s  next %s  failModelOnDrift %s  policy: attack success rate <= %s%n",
                        e.path("schedule").asText("none"), e.path("nextRunAt").asText("-"),
                        e.path("failModelOnDrift").asBoolean(), e.path("maxAttackSuccessRate").asText());
                for (JsonNode c : e.path("conditions")) {
                    out().printf("  %-16s %-5s %-28s %s%n", c.path("type").asText(), c.path("status").asText(),
                            c.path("reason").asText(), c.path("message").asText());
                }
                if (e.has("inFlight")) {
                    out().printf("  in flight: run %s (%s) since %s%n", e.path("inFlight").path("runId").asText(),
                            e.path("inFlight").path("trigger").asText(), e.path("inFlight").path("requestedAt").asText());
                }
                out().println("  history (newest first):");
                for (JsonNode r : e.path("history")) {
                    out().printf("    %s  %-24s  %-9s  %-4s  asr %s  %d cases, %d failed  %s%s%n", r.path("runId").asText(),
                            r.path("finishedAt").asText(), r.path("state").asText(), r.path("passed").asBoolean() ? "PASS" : "FAIL",
                            rate(r), r.path("cases").asInt(), r.path("failed").asInt(), r.path("executionProvider").asText("-"),
                            r.has("error") ? "  (" + r.path("error").asText() + ")" : "");
                }
            }
            return e.path("lastResult").path("passed").asBoolean(false) ? ExitCodes.PASS : ExitCodes.REJECT;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run an evaluation now (operator token: --token / AIRLOCK_TOKEN). A run in flight is not started again.")
    static final class Run extends RegistryCommands.Remote {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("POST", "/v1/evaluations/" + name + "/run");
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            out().println(format == OutputFormat.json ? a.body().toPrettyString()
                    : "queued: run " + a.body().path("runId").asText() + " of " + name);
            return ExitCodes.PASS;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "The newest run against the one before, case by case: which cases changed outcome. "
                    + "Exit 1 unless the newest run passed.")
    static final class Diff extends RegistryCommands.Remote {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/evaluations/" + name);
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            JsonNode history = a.body().path("history");
            if (history.size() < 2) {
                spec.commandLine().getErr().printf("airlock: %s has %d finished run(s); diff needs two%n", name, history.size());
                return ExitCodes.TOOL_ERROR;
            }
            GatewayClient.Answer newer = call("GET", "/v1/evaluations/" + name + "/runs/" + history.get(0).path("runId").asText());
            GatewayClient.Answer older = call("GET", "/v1/evaluations/" + name + "/runs/" + history.get(1).path("runId").asText());
            if (!ok(newer) || !ok(older)) {
                return ExitCodes.TOOL_ERROR;
            }
            List<Change> changes = diff(older.body().path("cases"), newer.body().path("cases"));
            JsonNode n = newer.body().path("run");
            JsonNode o = older.body().path("run");
            if (format == OutputFormat.json) {
                var root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                root.set("newer", n);
                root.set("older", o);
                var arr = root.putArray("changed");
                for (Change c : changes) {
                    arr.addObject().put("caseId", c.caseId()).put("before", c.before()).put("after", c.after())
                            .put("category", c.category());
                }
                out().println(root.toPrettyString());
            } else {
                out().printf("%s: run %s (%s, asr %s) -> run %s (%s, asr %s)%n", name, o.path("runId").asText(),
                        o.path("passed").asBoolean() ? "PASS" : "FAIL", rate(o), n.path("runId").asText(),
                        n.path("passed").asBoolean() ? "PASS" : "FAIL", rate(n));
                boolean sameCorpus = Objects.equals(o.path("corpusDigest").asText(""), n.path("corpusDigest").asText(""));
                out().println(sameCorpus ? "  corpus unchanged (" + n.path("corpusDigest").asText("-") + "): changes come from the model"
                        : "  corpus changed: " + o.path("corpusDigest").asText("-") + " -> " + n.path("corpusDigest").asText("-"));
                for (Change c : changes) {
                    out().printf("  %-40s %-14s %-12s -> %s%n", c.caseId(), c.category(), c.before(), c.after());
                }
                out().printf("%d case(s) changed outcome%n", changes.size());
            }
            return n.path("passed").asBoolean(false) ? ExitCodes.PASS : ExitCodes.REJECT;
        }
    }

    /** A case whose outcome differs between two runs; "absent" when a run did not have it. */
    record Change(String caseId, String category, String before, String after) {
    }

    /**
     * Cases whose outcome (verdict, and whether the attack succeeded) differs, in the newer run's
     * order, then cases only the older run had.
     */
    static List<Change> diff(JsonNode olderCases, JsonNode newerCases) {
        Map<String, JsonNode> before = new LinkedHashMap<>();
        olderCases.forEach(c -> before.put(c.path("caseId").asText(), c));
        List<Change> out = new ArrayList<>();
        for (JsonNode c : newerCases) {
            String id = c.path("caseId").asText();
            JsonNode b = before.remove(id);
            String after = outcome(c);
            String was = b == null ? "absent" : outcome(b);
            if (!was.equals(after)) {
                out.add(new Change(id, c.path("category").asText(), was, after));
            }
        }
        before.forEach((id, b) -> out.add(new Change(id, b.path("category").asText(), outcome(b), "absent")));
        return out;
    }

    private static String outcome(JsonNode c) {
        return c.path("verdict").asText("?") + (c.path("flagged").asBoolean() ? " (attack succeeded)" : "");
    }

    private static String rate(JsonNode run) {
        return run.path("state").asText().equals("error") ? "n/a"
                : String.format(Locale.ROOT, "%.3f", run.path("attackSuccessRate").asDouble());
    }
}
