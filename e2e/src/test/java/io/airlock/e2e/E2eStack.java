package io.airlock.e2e;

import io.airlock.identity.Roles;
import io.airlock.identity.SigningKey;
import io.airlock.identity.Tokens;
import io.airlock.stack.Resp;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HeaderConfig;
import io.airlock.stack.Service;
import io.airlock.stack.Stack;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Starts the real stack for one test class: five processes, real Redis (db 2) and PostgreSQL. */
final class E2eStack {
    static final int REDIS_DB = 2;
    static final String DATABASE = "airlock_e2e";
    /** One signing key for every e2e stack of this run; each stack's services trust it (AIRLOCK_KEYS_DIR). */
    static final Path KEYS = Path.of(System.getProperty("airlock.e2e.workdir", "target/e2e")).toAbsolutePath().resolve("keys");
    static final SigningKey KEY = key();
    static final String OPERATOR_TOKEN = Tokens.issue(KEY, Tokens.LOCAL_ISSUER, "e2e-operator", Roles.OPERATOR, Duration.ofHours(12));
    /** What the gateway, scanner and evaluator present to the registry's gRPC API. */
    static final String SERVICE_TOKEN = Tokens.issue(KEY, Tokens.LOCAL_ISSUER, "e2e-service", Roles.SERVICE, Duration.ofHours(12));
    static final String SUBMITTER_TOKEN = Tokens.issue(KEY, Tokens.LOCAL_ISSUER, "e2e-submitter", Roles.SUBMITTER,
            Duration.ofHours(12));

    /** A 12-hour token of {@code user} with {@code role}, signed by the stack's key. */
    static String token(String user, String role) {
        return Tokens.issue(KEY, Tokens.LOCAL_ISSUER, user, role, Duration.ofHours(12));
    }

    static {
        // every request of the e2e tests is an operator's unless it names its own Authorization, which replaces it
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", "Bearer " + OPERATOR_TOKEN).build();
        RestAssured.config = RestAssured.config()
                .headerConfig(HeaderConfig.headerConfig().overwriteHeadersWithName("Authorization"));
    }

    private static SigningKey key() {
        try {
            return SigningKey.createIfAbsent(KEYS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private E2eStack() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("airlock.repo.root", "..")).toAbsolutePath().normalize();
    }

    static Stack.Options options(String name) throws IOException {
        Path work = Path.of(System.getProperty("airlock.e2e.workdir", "target/e2e")).toAbsolutePath().resolve(name);
        deleteTree(work.resolve("logs")); // each run's logs alone: tests read them
        Files.createDirectories(work);
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("AIRLOCK_KEYS_DIR", KEYS.toString());
        return new Stack.Options(repoRoot(), work, freeBasePort(), REDIS_DB, DATABASE, false, env, Map.of());
    }

    /** Prepares infrastructure and empties this test database's streams, so counts start at zero. */
    static Stack prepare(Stack.Options options) throws IOException {
        Stack stack = Stack.prepare(options);
        try (Resp redis = redis(stack)) {
            redis.call("FLUSHDB");
        }
        return stack;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    static Resp redis(Stack stack) throws IOException {
        return Resp.connect(stack.infra().redis(), REDIS_DB);
    }

    static long streamLength(Stack stack, String stream) throws IOException {
        try (Resp r = redis(stack)) {
            return r.callLong("XLEN", stream);
        }
    }

    /**
     * Five consecutive free ports (gateway first; see {@link Service#port}), taken below the
     * kernel's ephemeral range so that an embedded server started later (on a kernel-chosen port)
     * can never land on one of them.
     */
    private static int freeBasePort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + random.nextInt(10_000);
            boolean allFree = true;
            for (int p = base; p < base + 5 && allFree; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    allFree = false;
                }
            }
            if (allFree) {
                return base;
            }
        }
        throw new IOException("no five consecutive free ports found");
    }
}
