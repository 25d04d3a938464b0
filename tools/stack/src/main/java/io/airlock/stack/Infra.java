package io.airlock.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds the Redis and PostgreSQL that Airlock should use, or starts its own.
 *
 * <p>Order of preference, for each: the server named by the environment
 * ({@code AIRLOCK_REDIS_URL=redis://host:port}, {@code AIRLOCK_PG_URL=postgresql://user:pass@host:port}),
 * then one already listening on the default local port, then an embedded server (binaries
 * shipped in Maven artifacts) started by this process and stopped by {@link #close()}.
 * {@code AIRLOCK_INFRA=embedded} skips the first two and always starts embedded servers.
 */
public final class Infra implements AutoCloseable {
    private static final Pattern DB_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final RedisEndpoint redis;
    private final PostgresEndpoint postgres;
    private final RedisServer embeddedRedis;
    private EmbeddedPostgres embeddedPostgres;
    private final Path postgresData;
    private final List<String> notes;

    private Infra(RedisEndpoint redis, RedisServer embeddedRedis, PostgresEndpoint postgres,
                  EmbeddedPostgres embeddedPostgres, Path postgresData, List<String> notes) {
        this.postgresData = postgresData;
        this.redis = redis;
        this.embeddedRedis = embeddedRedis;
        this.postgres = postgres;
        this.embeddedPostgres = embeddedPostgres;
        this.notes = List.copyOf(notes);
    }

    /**
     * @param dataDir  where embedded servers keep their files (kept between runs when persistent)
     * @param database the PostgreSQL database to use (created when missing)
     * @param persistentRedis whether an embedded Redis writes an append-only file (the stack) or not (tests)
     */
    public static Infra findOrStart(Path dataDir, String database, boolean persistentRedis, Map<String, String> env)
            throws IOException {
        if (!DB_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("bad database name " + database);
        }
        List<String> notes = new ArrayList<>();
        boolean forceEmbedded = "embedded".equalsIgnoreCase(env.getOrDefault("AIRLOCK_INFRA", ""));
        RedisEndpoint redis;
        RedisServer embeddedRedis = null;
        String redisUrl = env.get("AIRLOCK_REDIS_URL");
        if (forceEmbedded) {
            redisUrl = null;
        }
        if (redisUrl != null && !redisUrl.isBlank()) {
            URI u = URI.create(redisUrl.trim());
            redis = new RedisEndpoint(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379, false);
            if (!redisAnswers(redis.host(), redis.port())) {
                throw new IOException("AIRLOCK_REDIS_URL=" + redisUrl + " does not answer PING");
            }
            notes.add("redis: " + redis.host() + ":" + redis.port() + " (from AIRLOCK_REDIS_URL)");
        } else if (!forceEmbedded && redisAnswers("127.0.0.1", 6379)) {
            redis = new RedisEndpoint("127.0.0.1", 6379, false);
            notes.add("redis: 127.0.0.1:6379 (already running)");
        } else {
            int port = freePort();
            Path dir = Files.createDirectories(dataDir.resolve("redis"));
            embeddedRedis = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("dir " + dir.toAbsolutePath())
                    .setting(persistentRedis ? "appendonly yes" : "appendonly no")
                    .setting("save \"\"")
                    .setting(persistentRedis ? "appendfsync everysec" : "appendfsync no")
                    .build();
            embeddedRedis.start();
            redis = new RedisEndpoint("127.0.0.1", port, true);
            notes.add("redis: embedded on 127.0.0.1:" + port + (persistentRedis ? " (append-only file in " + dir + ")" : ""));
        }

        PostgresEndpoint pg;
        EmbeddedPostgres embeddedPg = null;
        String pgUrl = env.get("AIRLOCK_PG_URL");
        try {
            if (!forceEmbedded && pgUrl != null && !pgUrl.isBlank()) {
                pg = parsePgUrl(pgUrl.trim(), database);
                notes.add("postgresql: " + pg.host() + ":" + pg.port() + "/" + database + " (from AIRLOCK_PG_URL)");
            } else if (!forceEmbedded && portOpen("127.0.0.1", 5432) && canLogin(new PostgresEndpoint("127.0.0.1", 5432, "postgres", "", "postgres", false))) {
                pg = new PostgresEndpoint("127.0.0.1", 5432, "postgres", "", database, false);
                notes.add("postgresql: 127.0.0.1:5432/" + database + " (already running)");
            } else {
                int port = freePort();
                embeddedPg = EmbeddedPostgres.builder()
                        .setPort(port)
                        .setDataDirectory(Files.createDirectories(dataDir.resolve("postgres")))
                        .setCleanDataDirectory(false)
                        .start();
                pg = new PostgresEndpoint("127.0.0.1", port, "postgres", "", database, true);
                notes.add("postgresql: embedded on 127.0.0.1:" + port + "/" + database);
            }
            ensureDatabase(pg);
        } catch (IOException | SQLException | RuntimeException e) {
            if (embeddedRedis != null) {
                embeddedRedis.stop();
            }
            if (embeddedPg != null) {
                embeddedPg.close();
            }
            throw e instanceof IOException io ? io : new IOException("PostgreSQL: " + e.getMessage(), e);
        }
        return new Infra(redis, embeddedRedis, pg, embeddedPg, dataDir.resolve("postgres"), notes);
    }

    public RedisEndpoint redis() {
        return redis;
    }

    public PostgresEndpoint postgres() {
        return postgres;
    }

    /** One line per dependency saying what is used and where it came from. */
    public List<String> notes() {
        return notes;
    }

    /** Stops the Redis server this process started, keeping its data. Tests use it to prove recovery. */
    public void stopEmbeddedRedis() throws IOException {
        requireEmbedded(embeddedRedis != null, "Redis");
        embeddedRedis.stop();
    }

    /** Starts it again on the same port and data (its append-only file, when persistent). */
    public void startEmbeddedRedis() throws IOException {
        requireEmbedded(embeddedRedis != null, "Redis");
        embeddedRedis.start();
    }

    /** Stops the PostgreSQL server this process started (a fast shutdown), keeping its data. */
    public void stopEmbeddedPostgres() throws IOException {
        requireEmbedded(embeddedPostgres != null, "PostgreSQL");
        embeddedPostgres.close();
    }

    /** Starts PostgreSQL again on the same port and data directory. */
    public void startEmbeddedPostgres() throws IOException {
        requireEmbedded(postgres.embedded(), "PostgreSQL");
        embeddedPostgres = EmbeddedPostgres.builder()
                .setPort(postgres.port())
                .setDataDirectory(postgresData)
                .setCleanDataDirectory(false)
                .start();
    }

    private static void requireEmbedded(boolean embedded, String what) {
        if (!embedded) {
            // never stop a server this process did not start
            throw new IllegalStateException(what + " was not started by this process");
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        if (embeddedRedis != null) {
            try {
                embeddedRedis.stop();
            } catch (IOException e) {
                first = e;
            }
        }
        if (embeddedPostgres != null) {
            embeddedPostgres.close();
        }
        if (first != null) {
            throw first;
        }
    }

    static PostgresEndpoint parsePgUrl(String url, String database) {
        URI u = URI.create(url.replaceFirst("^jdbc:", ""));
        String user = "postgres";
        String password = "";
        if (u.getUserInfo() != null) {
            String[] parts = u.getUserInfo().split(":", 2);
            user = parts[0];
            password = parts.length > 1 ? parts[1] : "";
        }
        return new PostgresEndpoint(u.getHost(), u.getPort() > 0 ? u.getPort() : 5432, user, password, database, false);
    }

    /**
     * The driver is called directly, not through DriverManager: DriverManager refuses a driver
     * loaded by another class loader, which is what a restarted @QuarkusTest application sees (its
     * probe then failed and an embedded server was started a second time in the same JVM).
     */
    private static Connection connect(String url, String user, String password) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", user);
        p.setProperty("password", password == null ? "" : password);
        Connection c = new org.postgresql.Driver().connect(url, p);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        return c;
    }

    private static boolean canLogin(PostgresEndpoint pg) {
        try (Connection c = connect(pg.jdbcUrl(), pg.user(), pg.password())) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void ensureDatabase(PostgresEndpoint pg) throws SQLException {
        PostgresEndpoint admin = pg.withDatabase("postgres");
        try (Connection c = connect(admin.jdbcUrl(), admin.user(), admin.password());
             PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            q.setString(1, pg.database());
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement s = c.createStatement()) {
                // the name was checked against DB_NAME: safe to splice
                s.execute("CREATE DATABASE " + pg.database());
            } catch (SQLException raced) {
                if (!"42P04".equals(raced.getSQLState())) { // duplicate_database: someone else created it
                    throw raced;
                }
            }
        }
    }

    /** True when something at host:port answers a Redis PING with PONG. */
    public static boolean redisAnswers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return "+PONG".equals(line);
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean portOpen(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
