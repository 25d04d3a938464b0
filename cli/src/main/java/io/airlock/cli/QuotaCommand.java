package io.airlock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code airlock quota set USER ...}: one user's own limits (operator role), {@code PUT /v1/quotas/{user}}. */
@Command(name = "quota", mixinStandardHelpOptions = true, description = "Per-user quotas (operator role).",
        subcommands = QuotaCommand.Set.class)
final class QuotaCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Override one user's limits; a limit left out stays as it is.")
    static final class Set extends RegistryCommands.Remote {
        @Parameters(index = "0", paramLabel = "USER", description = "the user (the token's sub)")
        String user;
        @Option(names = "--submissions-per-hour", paramLabel = "N", description = "submissions per clock hour")
        Long submissionsPerHour;
        @Option(names = "--bytes-per-day", paramLabel = "N", description = "request body bytes per UTC day")
        Long bytesPerDay;
        @Option(names = "--in-flight", paramLabel = "N", description = "submissions accepted and not yet final")
        Long inFlight;

        @Override
        public Integer call() throws Exception {
            Map<String, Long> body = new LinkedHashMap<>();
            if (submissionsPerHour != null) {
                body.put("submissionsPerHour", submissionsPerHour);
            }
            if (bytesPerDay != null) {
                body.put("bytesPerDay", bytesPerDay);
            }
            if (inFlight != null) {
                body.put("inFlight", inFlight);
            }
            if (body.isEmpty()) {
                throw new RegistryCommands.ToolError("give one or more of --submissions-per-hour, --bytes-per-day, --in-flight");
            }
            GatewayClient.Answer a = sendJson("PUT", "/v1/quotas/" + java.net.URLEncoder.encode(user,
                    java.nio.charset.StandardCharsets.UTF_8), new ObjectMapper().writeValueAsString(body));
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            out().println(format == OutputFormat.json ? a.body().toPrettyString() : "limits of " + user + " set: " + body);
            return ExitCodes.PASS;
        }
    }
}
