package io.airlock.stack;

import io.airlock.identity.SigningKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole of Airlock on one machine: Redis and PostgreSQL (found or embedded) and the five
 * services as real processes. Used by {@code ./airlock up} and by the end-to-end tests, so the
 * tests exercise exactly what people run.
 */
public final class Stack implements AutoCloseable {

    /**
     * @param repoRoot  checkout root (service jars are found under it)
     * @param workDir   blob store, logs and embedded servers' data
     * @param basePort  gateway's HTTP port; the others follow it (see {@link Service})
     * @param redisDb   Redis logical database (tests use their own)
     * @param database  PostgreSQL database name
     * @param persistentRedis whether an embedded Redis keeps an append-only file
     * @param env       environment to read AIRLOCK_* settings from
     * @param extra     per-service extra system properties (tests: short timeouts, fail-open...)
     */
    public record Options(Path repoRoot, Path workDir, int basePort, int redisDb, String database,
                          boolean persistentRedis, Map<String, String> env, Map<Service, Map<String, String>> extra) {
        public Options {
            extra = new EnumMap<>(extra.isEmpty() ? new EnumMap<>(Service.class) : extra);
        }

        public Options withExtra(Service s, String key, String value) {
            Map<Service, Map<String, String>> copy = new EnumMap<>(extra);
            copy.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(key, value);
            return new Options(repoRoot, workDir, basePort, redisDb, database, persistentRedis, env, copy);
        }
    }

    private final Options options;
    private final Infra infra;
    private final Map<Service, ServiceProcess> running = new EnumMap<>(Service.class);
    /** Further instances of workers (scanner, evaluator), each with its own name and port. */
    private final List<ServiceProcess> extras = new ArrayList<>();

    private Stack(Options options, Infra infra) {
        this.options = options;
        this.infra = infra;
    }

    /** Finds or starts Redis and PostgreSQL; starts no service yet. */
    public static Stack prepare(Options options) throws IOException {
        Files.createDirectories(options.workDir());
        Infra infra = Infra.findOrStart(options.workDir().resolve("data"), options.database(),
                options.persistentRedis(), options.env());
        return new Stack(options, infra);
    }

    /** Starts the given services (all when none given) in dependency order and waits until each is ready. */
    public Stack startAll(Service... services) throws IOException {
        List<Service> list = services.length == 0 ? List.of(Service.values()) : List.of(services);
        for (Service s : Service.values()) {
            if (list.contains(s)) {
                start(s);
            }
        }
        return this;
    }

    public ServiceProcess start(Service s) throws IOException {
        return start(s, Map.of());
    }

    /** Starts one service with extra system properties on top of the options' (e.g. a second instance name). */
    public ServiceProcess start(Service s, Map<String, String> overrides) throws IOException {
        signingKey();
        ServiceProcess old = running.get(s);
        if (old != null && old.alive()) {
            throw new IllegalStateException(s.id() + " is already running (pid " + old.pid() + ")");
        }
        Path log = options.workDir().resolve("logs").resolve(s.id() + ".log");
        Map<String, String> props = properties(s);
        props.putAll(overrides);
        ServiceProcess p = ServiceProcess.launch(s, s.jar(options.repoRoot()), jvmOptions(s), props,
                s.port(options.basePort()), log);
        running.put(s, p);
        p.awaitReady(Duration.ofSeconds(90));
        return p;
    }

    /**
     * Starts another instance of a worker under its own consumer name and HTTP port (its stream
     * group is the same, so instances share the work), or another gateway replica (the same Redis,
     * registry, guard and blob store). Stopped by {@link #close()}.
     */
    public ServiceProcess startExtra(Service s, String instance, int port) throws IOException {
        if (s != Service.SCANNER && s != Service.EVALUATOR && s != Service.GATEWAY) {
            throw new IllegalArgumentException("only workers and the gateway run as several instances here, not " + s.id());
        }
        Map<String, String> props = properties(s);
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("airlock.instance", instance);
        ServiceProcess p = ServiceProcess.launch(s, s.jar(options.repoRoot()), jvmOptions(s), props, port,
                options.workDir().resolve("logs").resolve(instance + ".log"));
        extras.add(p);
        p.awaitReady(Duration.ofSeconds(90));
        return p;
    }

    public ServiceProcess process(Service s) {
        ServiceProcess p = running.get(s);
        if (p == null) {
            throw new IllegalStateException(s.id() + " was not started");
        }
        return p;
    }

    public void stop(Service s) {
        ServiceProcess p = running.remove(s);
        if (p != null) {
            p.stop(Duration.ofSeconds(20));
        }
    }

    /** kill -9: the process gets no chance to acknowledge or clean up. */
    public void kill(Service s) {
        ServiceProcess p = running.remove(s);
        if (p != null) {
            p.kill();
        }
    }

    public String url(Service s) {
        return "http://127.0.0.1:" + s.port(options.basePort());
    }

    public Infra infra() {
        return infra;
    }

    public Options options() {
        return options;
    }

    /**
     * Where the stack's token-signing key lives ({@code AIRLOCK_KEYS_DIR}, else {@code keys/} in the
     * work folder): {@code airlock token issue} signs with it, the services trust its JWKS.
     */
    public Path keysDir() {
        String dir = options.env().getOrDefault("AIRLOCK_KEYS_DIR", "");
        return dir.isBlank() ? options.workDir().resolve("keys") : Path.of(dir);
    }

    /**
     * The signing key, created (mode 0600) on the first start, and a fresh service token for the
     * pipeline's services beside it (mode 0600; 30 days, the longest a token is accepted).
     */
    public SigningKey signingKey() throws IOException {
        SigningKey key = SigningKey.createIfAbsent(keysDir());
        Path token = keysDir().resolve(SERVICE_TOKEN_FILE);
        if (!Files.exists(token)) {
            Files.createFile(token, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        }
        if (Files.size(token) == 0 || Files.getLastModifiedTime(token).toInstant()
                .isBefore(java.time.Instant.now().minus(Duration.ofDays(1)))) {
            Files.writeString(token, io.airlock.identity.Tokens.issue(key, io.airlock.identity.Tokens.LOCAL_ISSUER,
                    "airlock-pipeline", io.airlock.identity.Roles.SERVICE, Duration.ofDays(29)));
        }
        return key;
    }

    public static final String SERVICE_TOKEN_FILE = "service-token";

    public Path blobRoot() {
        return options.workDir().resolve("blobs");
    }

    private List<String> jvmOptions(Service s) {
        List<String> o = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xss512k",
                "-Djava.io.tmpdir=" + options.workDir().resolve("tmp").resolve(s.id())));
        o.add(s == Service.EVALUATOR ? "-Xmx512m" : "-Xmx256m");
        try {
            Files.createDirectories(options.workDir().resolve("tmp").resolve(s.id()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return o;
    }

    /** Everything a service needs to find its peers, as Quarkus system properties. */
    Map<String, String> properties(Service s) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.http.host", "127.0.0.1");
        p.put("quarkus.http.port", Integer.toString(s.port(options.basePort())));
        p.put("airlock.instance", s.id() + "-" + s.port(options.basePort()));
        if (s != Service.GUARD) {
            p.put("quarkus.redis.hosts", infra.redis().url(options.redisDb()));
        }
        // every service reads the shared blob store (the registry re-hashes what it promotes)
        p.put("airlock.blob.root", blobRoot().toString());
        if (s == Service.GATEWAY || s == Service.SCANNER || s == Service.EVALUATOR) {
            // the registry's gRPC API answers only callers with the stack's service token (a 0600 file)
            p.put("airlock.identity.service-token-file", keysDir().resolve(SERVICE_TOKEN_FILE).toString());
            p.put("quarkus.grpc.clients.registry.host", "127.0.0.1");
            p.put("quarkus.grpc.clients.registry.port", Integer.toString(Service.REGISTRY.port(options.basePort())));
        }
        if (s == Service.GATEWAY || s == Service.REGISTRY) {
            // the services trust the public half of the stack's signing key; the private key stays in its 0600 file
            p.put("mp.jwt.verify.publickey.location", keysDir().resolve(SigningKey.JWKS_FILE).toUri().toString());
        }
        if (s == Service.GATEWAY) {
            p.put("airlock.gateway.registry-url", url(Service.REGISTRY));
            p.put("quarkus.grpc.clients.guard.host", "127.0.0.1");
            p.put("quarkus.grpc.clients.guard.port", Integer.toString(Service.GUARD.port(options.basePort())));
        }
        if (s == Service.REGISTRY) {
            PostgresEndpoint pg = infra.postgres();
            p.put("quarkus.datasource.reactive.url", pg.reactiveUrl());
            p.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
            p.put("quarkus.datasource.username", pg.user());
            p.put("quarkus.datasource.password", pg.password());
        }
        p.putAll(options.extra().getOrDefault(s, Map.of()));
        return p;
    }

    @Override
    public void close() throws IOException {
        for (ServiceProcess p : extras) {
            if (p.alive()) {
                p.stop(Duration.ofSeconds(20));
            }
        }
        List<Service> order = new ArrayList<>(running.keySet());
        java.util.Collections.reverse(order);
        for (Service s : order) {
            stop(s);
        }
        infra.close();
    }
}
