package io.airlock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.identity.Roles;
import io.airlock.identity.SigningKey;
import io.airlock.identity.Tokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code airlock token issue|revoke}: tokens of the local stack's signing key, and revocation. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Issue or revoke bearer tokens.",
        subcommands = {TokenCommand.Issue.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Longest lifetime a token may ask for: the services refuse tokens older than this (mp.jwt.verify.token.age). */
    static final Duration MAX_TTL = Duration.ofDays(30);

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Sign a token with the local stack's key (./airlock up creates it). The token is the last "
                    + "line of the output; keep it in a file (--token-file) or AIRLOCK_TOKEN rather than on a command line.")
    static final class Issue implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--user", required = true, paramLabel = "NAME", description = "the user (the token's sub)")
        String user;
        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "submitter, operator, auditor or service")
        String role;
        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "8h",
                description = "lifetime, e.g. 30m, 8h, 7d (default ${DEFAULT-VALUE}, at most 30d)")
        String ttl;
        @Option(names = "--key", paramLabel = "FILE",
                defaultValue = "${env:AIRLOCK_SIGNING_KEY:-.airlock/keys/" + SigningKey.KEY_FILE + "}",
                description = "the signing key (env AIRLOCK_SIGNING_KEY; default ${DEFAULT-VALUE})")
        Path key;
        @Option(names = "--issuer", defaultValue = Tokens.LOCAL_ISSUER, description = "iss claim (default ${DEFAULT-VALUE})")
        String issuer;

        @Override
        public Integer call() {
            Duration lifetime = duration(ttl);
            if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_TTL) > 0) {
                throw new RegistryCommands.ToolError("--ttl must be more than 0 and at most 30d");
            }
            if (!Roles.ALL.contains(role)) {
                throw new RegistryCommands.ToolError("--role must be one of submitter, operator, auditor, service");
            }
            SigningKey k;
            try {
                k = SigningKey.load(key);
            } catch (IOException e) {
                throw new RegistryCommands.ToolError("cannot read the signing key " + key + " (./airlock up creates it): "
                        + e.getMessage());
            }
            String token;
            try {
                token = Tokens.issue(k, issuer, user, role, lifetime);
            } catch (IllegalArgumentException e) {
                throw new RegistryCommands.ToolError(e.getMessage());
            }
            String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
            String jti = claims.replaceAll(".*\"jti\":\"([^\"]+)\".*", "$1");
            var out = spec.commandLine().getOut();
            out.printf("user %s, role %s, expires %s, jti %s%n", user, role, Instant.now().plus(lifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS), jti);
            out.println(token);
            return ExitCodes.PASS;
        }

        /** 90s, 30m, 8h, 7d, or an ISO-8601 duration. */
        static Duration duration(String v) {
            String s = v.strip();
            try {
                if (s.matches("\\d+[smhd]")) {
                    long n = Long.parseLong(s.substring(0, s.length() - 1));
                    return switch (s.charAt(s.length() - 1)) {
                        case 's' -> Duration.ofSeconds(n);
                        case 'm' -> Duration.ofMinutes(n);
                        case 'h' -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    };
                }
                return Duration.parse(s);
            } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
                throw new RegistryCommands.ToolError("--ttl '" + v + "' is not a duration such as 30m, 8h or 7d");
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke one token (--jti) or every token a user holds now (--user); operator role.")
    static final class Revoke extends RegistryCommands.Remote {
        @Option(names = "--jti", description = "the token's id (printed by `airlock token issue`)")
        String jti;
        @Option(names = "--user", description = "the user: every token issued to them until now")
        String user;

        @Override
        public Integer call() throws Exception {
            if ((jti == null) == (user == null)) {
                throw new RegistryCommands.ToolError("give exactly one of --jti and --user");
            }
            String body = new ObjectMapper().writeValueAsString(jti != null ? Map.of("jti", jti) : Map.of("user", user));
            GatewayClient.Answer a = postJson("/v1/revocations", body);
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            out().println(format == OutputFormat.json ? a.body().toPrettyString()
                    : "revoked " + (jti != null ? "token " + jti : "every token of " + user + " issued until now"));
            return ExitCodes.PASS;
        }
    }
}
