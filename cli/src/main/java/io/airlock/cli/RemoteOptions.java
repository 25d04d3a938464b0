package io.airlock.cli;

import picocli.CommandLine.Option;

/**
 * Where a remote command finds the Airlock server: {@code --server} or {@code AIRLOCK_URL},
 * {@code --token} or {@code AIRLOCK_TOKEN}. Mixed into remote commands with
 * {@code @Mixin RemoteOptions remote}; the local commands (scan, guard, eval) never use it.
 */
public final class RemoteOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:AIRLOCK_URL:-http://127.0.0.1:8080}",
            description = "Airlock gateway URL (env AIRLOCK_URL; default ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:AIRLOCK_TOKEN:-}",
            description = "bearer token (env AIRLOCK_TOKEN)")
    String token;

    public String server() {
        return server;
    }

    /** The token, "" when none was given. */
    public String token() {
        return token == null ? "" : token;
    }
}
