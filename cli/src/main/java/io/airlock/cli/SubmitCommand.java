package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.contracts.Kind;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code airlock submit FILE}: send an artifact through the pipeline and follow it to its final status. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit an artifact to an Airlock server and follow its progress to the final status.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:promoted or admitted (or accepted, with --no-wait)", "1:rejected or blocked (hacked)",
                "2:tool error, refused request, or the pipeline failed"})
final class SubmitCommand implements Callable<Integer> {
    private static final Set<String> PASSED = Set.of("promoted", "admitted");
    private static final Set<String> DENIED = Set.of("rejected", "hacked");

    @Spec
    CommandSpec spec;
    @Mixin
    RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "FILE", description = "the artifact (a folder goes as one zip or tar archive)")
    Path file;

    @Option(names = "--kind", paramLabel = "model|kernel", converter = KindConverter.class,
            description = "what it is; guessed from the content when omitted (Python source: kernel, else model)")
    Kind kind;

    @Option(names = "--name", description = "a name for it (default: the file name)")
    String name;

    @Option(names = "--task", paramLabel = "NAME",
            description = "kernels: the registered task it solves (airlock task list); its newest version is pinned "
                    + "and the evaluator's behavioral test judges the kernel against it")
    String task;

    @Option(names = "--source-url", paramLabel = "URL", description = "where it came from")
    String sourceUrl;

    @Option(names = "--expected-sha256", paramLabel = "HEX", description = "reject unless its SHA-256 is this")
    String expectedSha256;

    @Option(names = "--claimed-format", paramLabel = "FORMAT", description = "the format you claim it has (e.g. gguf)")
    String claimedFormat;

    @Option(names = "--no-wait", description = "print the submission id and return without following it")
    boolean noWait;

    @Option(names = "--format", paramLabel = "json|text", defaultValue = "text", description = "output (default ${DEFAULT-VALUE})")
    OutputFormat format;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!LocalFile.check(file, err)) {
            return ExitCodes.TOOL_ERROR;
        }
        Kind k = kind != null ? kind : guessKind(file);
        GatewayClient gw = new GatewayClient(remote);
        Map<String, String> fields = GatewayClient.fields();
        fields.put("kind", k.wire());
        put(fields, "name", name);
        put(fields, "task", task);
        put(fields, "source_url", sourceUrl);
        put(fields, "expected_sha256", expectedSha256);
        put(fields, "format", claimedFormat);
        GatewayClient.Answer a;
        try {
            a = gw.submit(file, fields);
        } catch (ConnectException e) {
            err.println("airlock: cannot reach " + gw.base() + " (is the stack up? ./airlock up, or set --server / AIRLOCK_URL)");
            return ExitCodes.TOOL_ERROR;
        }
        if (a.status() == 400 && "hacked".equals(a.body().path("submissionStatus").asText())) {
            printBlocked(out, a.body());
            return ExitCodes.REJECT;
        }
        if (a.status() != 202) {
            err.printf("airlock: HTTP %d %s: %s%n", a.status(), a.body().path("title").asText(""),
                    a.body().path("detail").asText(a.body().toString()));
            return ExitCodes.TOOL_ERROR;
        }
        String id = a.body().path("id").asText();
        if (format == OutputFormat.text) {
            out.printf("submitted %s as %s: %s (%d bytes, sha256 %s), precheck %s%n", file.getFileName(), k.wire(), id,
                    a.body().path("size").asLong(), a.body().path("sha256").asText(), a.body().path("precheck").asText());
            out.flush();
        }
        if (noWait) {
            if (format == OutputFormat.json) {
                out.println(a.body().toPrettyString());
            }
            return ExitCodes.PASS;
        }
        gw.follow(id, e -> {
            if (format == OutputFormat.text) {
                printEvent(out, e);
            }
        });
        GatewayClient.Answer fin = gw.get("/v1/submissions/" + id);
        String status = fin.body().path("status").asText();
        if (format == OutputFormat.json) {
            out.println(fin.body().toPrettyString());
        } else {
            out.printf("final status: %s%n", status);
        }
        out.flush();
        return PASSED.contains(status) ? ExitCodes.PASS : DENIED.contains(status) ? ExitCodes.REJECT : ExitCodes.TOOL_ERROR;
    }

    static Kind guessKind(Path file) throws IOException {
        Format f = FormatSniffer.sniff(file).format();
        return f == Format.PYTHON_SOURCE || f == Format.NATIVE_SOURCE ? Kind.KERNEL : Kind.MODEL;
    }

    private static void put(Map<String, String> fields, String key, String value) {
        if (value != null && !value.isBlank()) {
            fields.put(key, value);
        }
    }

    private static void printEvent(PrintWriter out, GatewayClient.Event e) {
        JsonNode d = e.data();
        if ("stage".equals(e.name())) {
            JsonNode s = d.path("stage");
            StringBuilder line = new StringBuilder(String.format("  %-16s %-8s %8.1f ms", s.path("stage").asText(),
                    s.path("status").asText(), s.path("durationMs").asDouble()));
            String reason = s.path("details").path("reason").asText("");
            if (!reason.isEmpty()) {
                line.append("  (").append(reason).append(')');
            }
            out.println(line);
            for (JsonNode f : s.path("findings")) {
                out.printf("      %s %s: %s%n", f.path("severity").asText(), f.path("rule").asText(), f.path("message").asText());
            }
        } else {
            String reason = d.path("reason").asText("");
            out.printf("%s%s%n", d.path("status").asText(), reason.isEmpty() ? "" : "  (" + reason + ")");
        }
        out.flush();
    }

    private static void printBlocked(PrintWriter out, JsonNode body) {
        out.printf("blocked by the precheck: recorded as hacked (%s)%n", body.path("submissionId").asText());
        for (JsonNode f : body.path("findings")) {
            out.printf("  %s %s: %s%n", f.path("severity").asText(), f.path("rule").asText(), f.path("message").asText());
        }
    }
}
