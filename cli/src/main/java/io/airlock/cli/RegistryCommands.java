package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** The operator's commands against a server: list, show, rescan, models, audit verify. */
final class RegistryCommands {
    private RegistryCommands() {
    }

    /** Shared plumbing: one GET/POST, problem answers printed, exit code chosen. */
    abstract static class Remote implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RemoteOptions remote;
        @Option(names = "--format", paramLabel = "json|text", defaultValue = "text", description = "output (default ${DEFAULT-VALUE})")
        OutputFormat format;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        GatewayClient.Answer call(String method, String path) throws Exception {
            GatewayClient gw = new GatewayClient(remote);
            try {
                return method.equals("GET") ? gw.get(path) : gw.post(path);
            } catch (ConnectException e) {
                throw new ToolError("cannot reach " + gw.base() + " (is the stack up? ./airlock up, or set --server / AIRLOCK_URL)");
            }
        }

        GatewayClient.Answer postJson(String path, String json) throws Exception {
            return sendJson("POST", path, json);
        }

        GatewayClient.Answer sendJson(String method, String path, String json) throws Exception {
            GatewayClient gw = new GatewayClient(remote);
            try {
                return gw.sendJson(method, path, json);
            } catch (ConnectException e) {
                throw new ToolError("cannot reach " + gw.base() + " (is the stack up? ./airlock up, or set --server / AIRLOCK_URL)");
            }
        }

        GatewayClient.Answer postBytes(String path, String contentType, byte[] body) throws Exception {
            GatewayClient gw = new GatewayClient(remote);
            try {
                return gw.postBytes(path, contentType, body);
            } catch (ConnectException e) {
                throw new ToolError("cannot reach " + gw.base() + " (is the stack up? ./airlock up, or set --server / AIRLOCK_URL)");
            }
        }

        /** Prints a problem answer and says whether the call succeeded. */
        boolean ok(GatewayClient.Answer a) {
            if (a.status() / 100 == 2) {
                return true;
            }
            spec.commandLine().getErr().printf("airlock: HTTP %d %s: %s%n", a.status(), a.body().path("title").asText(""),
                    a.body().path("detail").asText(a.body().toString()));
            return false;
        }

        static String query(Map<String, String> params) {
            StringBuilder sb = new StringBuilder();
            params.forEach((k, v) -> {
                if (v != null && !v.isBlank()) {
                    sb.append(sb.length() == 0 ? '?' : '&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
                }
            });
            return sb.toString();
        }
    }

    static final class ToolError extends RuntimeException {
        ToolError(String message) {
            super(message);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List submissions, newest first.")
    static final class ListCommand extends Remote {
        @Option(names = "--status") String status;
        @Option(names = "--kind") String kind;
        @Option(names = "--since", description = "ISO-8601 instant") String since;
        @Option(names = "--limit", defaultValue = "20") int limit;

        @Override
        public Integer call() throws Exception {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("status", status);
            q.put("kind", kind);
            q.put("since", since);
            q.put("limit", Integer.toString(limit));
            GatewayClient.Answer a = call("GET", "/v1/submissions" + query(q));
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
            } else {
                out().printf("%-36s  %-6s  %-10s  %-3s  %-24s  %s%n", "ID", "KIND", "STATUS", "TRY", "CREATED", "NAME");
                for (JsonNode s : a.body().path("items")) {
                    out().printf("%-36s  %-6s  %-10s  %-3d  %-24s  %s%n", s.path("id").asText(), s.path("kind").asText(),
                            s.path("status").asText(), s.path("attempt").asInt(), s.path("createdAt").asText(), s.path("name").asText());
                }
                out().printf("%d of %d%n", a.body().path("items").size(), a.body().path("total").asLong());
            }
            return ExitCodes.PASS;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a submission with its stages and findings; --report sarif|cyclonedx|json downloads its report.")
    static final class ShowCommand extends Remote {
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--report", paramLabel = "json|sarif|cyclonedx", description = "print the report in this format")
        String report;

        @Override
        public Integer call() throws Exception {
            if (report != null) {
                GatewayClient.Answer a = call("GET", "/v1/submissions/" + id + "/report" + query(Map.of("format", report)));
                if (!ok(a)) {
                    return ExitCodes.TOOL_ERROR;
                }
                out().println(a.body().toPrettyString());
                return ExitCodes.PASS;
            }
            GatewayClient.Answer a = call("GET", "/v1/submissions/" + id);
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            JsonNode s = a.body();
            if (format == OutputFormat.json) {
                out().println(s.toPrettyString());
            } else {
                out().printf("%s  %s %s  status %s (attempt %d)  precheck %s%n  sha256 %s  %d bytes%n", s.path("id").asText(),
                        s.path("kind").asText(), s.path("name").asText(), s.path("status").asText(), s.path("attempt").asInt(),
                        s.path("precheck").asText(), s.path("sha256").asText("-"), s.path("size").asLong());
                for (JsonNode st : s.path("stages")) {
                    String reason = st.path("details").path("reason").asText("");
                    out().printf("  %-16s %-8s%s%n", st.path("stage").asText(), st.path("status").asText(),
                            reason.isEmpty() ? "" : "  (" + reason + ")");
                    for (JsonNode f : st.path("findings")) {
                        out().printf("      %s %s: %s%n", f.path("severity").asText(), f.path("rule").asText(), f.path("message").asText());
                    }
                }
            }
            return ExitCodes.PASS;
        }
    }

    @Command(name = "rescan", mixinStandardHelpOptions = true,
            description = "Scan a finished submission again as a new attempt, or with --stale every finished one "
                    + "whose last scan ran under another scanner version (operator token: --token / AIRLOCK_TOKEN).")
    static final class RescanCommand extends Remote {
        @Parameters(paramLabel = "ID", arity = "0..1") String id;
        @Option(names = "--reason", defaultValue = "re-scan") String reason;
        @Option(names = "--stale", description = "every promoted, admitted, rejected or failed submission whose last "
                + "attempt was scanned by another scanner version than --scanner-version")
        boolean stale;
        @Option(names = "--scanner-version", paramLabel = "V", defaultValue = io.airlock.scanner.engine.ScanEngine.VERSION,
                description = "the current scanner version (default: this command's, ${DEFAULT-VALUE})")
        String scannerVersion;
        @Option(names = "--dry-run", description = "list what --stale would re-scan, and re-scan nothing")
        boolean dryRun;

        static final java.util.List<String> FINISHED = java.util.List.of("promoted", "admitted", "rejected", "failed");

        @Override
        public Integer call() throws Exception {
            if (stale == (id != null)) {
                throw new ToolError("give either an ID or --stale");
            }
            if (!stale) {
                GatewayClient.Answer a = call("POST", "/v1/submissions/" + id + "/rescan" + query(Map.of("reason", reason)));
                if (!ok(a)) {
                    return ExitCodes.TOOL_ERROR;
                }
                out().println(format == OutputFormat.json ? a.body().toPrettyString() : "queued again: " + id);
                return ExitCodes.PASS;
            }
            java.util.List<String> targets = new java.util.ArrayList<>();
            int looked = 0;
            for (String status : FINISHED) {
                for (int offset = 0; ; offset += 200) {
                    GatewayClient.Answer page = call("GET", "/v1/submissions" + query(Map.of("status", status,
                            "limit", "200", "offset", Integer.toString(offset))));
                    if (!ok(page)) {
                        return ExitCodes.TOOL_ERROR;
                    }
                    for (JsonNode s : page.body().path("items")) {
                        looked++;
                        GatewayClient.Answer one = call("GET", "/v1/submissions/" + s.path("id").asText());
                        if (ok(one) && scannedBy(one.body()).stream().anyMatch(v -> !v.equals(scannerVersion))) {
                            targets.add(s.path("id").asText());
                        }
                    }
                    if (page.body().path("items").size() < 200) {
                        break;
                    }
                }
            }
            out().printf("%d finished submissions, %d scanned by another version than %s%n", looked, targets.size(),
                    scannerVersion);
            int failed = 0;
            for (String t : targets) {
                if (dryRun) {
                    out().println("would re-scan " + t);
                    continue;
                }
                GatewayClient.Answer a = call("POST", "/v1/submissions/" + t + "/rescan"
                        + query(Map.of("reason", reason + " (scanner " + scannerVersion + ")")));
                if (ok(a)) {
                    out().println("queued again: " + t);
                } else {
                    failed++;
                }
            }
            out().flush();
            return failed == 0 ? ExitCodes.PASS : ExitCodes.TOOL_ERROR;
        }

        /** The scanner versions that judged the current attempt's stages; "unknown" for stages that do not say. */
        static java.util.Set<String> scannedBy(JsonNode submission) {
            int attempt = submission.path("attempt").asInt();
            java.util.Set<String> versions = new java.util.TreeSet<>();
            for (JsonNode st : submission.path("stages")) {
                boolean scannerStage = st.path("details").has("scannerVersion")
                        || java.util.Set.of("format_gate", "integrity", "static_scan").contains(st.path("stage").asText());
                if ((st.path("attempt").asInt(0) == attempt || st.path("attempt").asInt(0) == 0) && scannerStage) {
                    versions.add(st.path("details").path("scannerVersion").asText("unknown"));
                }
            }
            return versions.isEmpty() ? java.util.Set.of("unknown") : versions;
        }
    }

    @Command(name = "models", mixinStandardHelpOptions = true, description = "List promoted models.")
    static final class ModelsCommand extends Remote {
        @Option(names = "--limit", defaultValue = "20") int limit;

        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/models" + query(Map.of("limit", Integer.toString(limit))));
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
            } else {
                for (JsonNode m : a.body().path("items")) {
                    out().printf("%-20s  %-64s  %s%n", m.path("name").asText(), m.path("sha256").asText(), m.path("promotedAt").asText());
                }
            }
            return ExitCodes.PASS;
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true, description = "The audit log.",
            subcommands = AuditVerify.class)
    static final class AuditCommand implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (verify)");
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Recompute the audit log's hash chain; exit 1 if an entry was edited, removed or reordered.")
    static final class AuditVerify extends Remote {
        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/audit/verify");
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            boolean good = a.body().path("ok").asBoolean(false);
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
            } else if (good) {
                out().printf("audit chain intact: %d entries, head %s%n", a.body().path("checked").asLong(),
                        a.body().path("headHash").asText());
            } else {
                out().printf("audit chain BROKEN at seq %s: %s%n", a.body().path("brokenSeq").asText(),
                        a.body().path("reason").asText());
            }
            return good ? ExitCodes.PASS : ExitCodes.REJECT;
        }
    }
}
