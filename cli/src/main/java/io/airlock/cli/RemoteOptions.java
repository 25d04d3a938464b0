package io.airlock.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a remote command finds the Airlock server: {@code --server} or {@code AIRLOCK_URL},
 * {@code --token-file}/{@code AIRLOCK_TOKEN_FILE}, {@code AIRLOCK_TOKEN} or {@code --token}. Mixed into remote commands with
 * {@code @Mixin RemoteOptions remote}; the local commands (scan, guard, eval) never use it.
 */
public final class RemoteOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:AIRLOCK_URL:-http://127.0.0.1:8080}",
            description = "Airlock gateway URL (env AIRLOCK_URL; default ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:AIRLOCK_TOKEN:-}",
            description = "bearer token (env AIRLOCK_TOKEN; prefer it or --token-file: `ps` shows --token)")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:AIRLOCK_TOKEN_FILE:-}",
            description = "file holding the bearer token (env AIRLOCK_TOKEN_FILE); wins over --token")
    String tokenFile;

    public String server() {
        return server;
    }

    /** The token (from the token file when one is named), "" when none was given. */
    public String token() {
        if (tokenFile != null && !tokenFile.isBlank()) {
            try {
                return Files.readString(Path.of(tokenFile)).strip();
            } catch (IOException e) {
                throw new RegistryCommands.ToolError("cannot read the token file " + tokenFile + ": " + e.getMessage());
            }
        }
        return token == null ? "" : token.strip();
    }
}
