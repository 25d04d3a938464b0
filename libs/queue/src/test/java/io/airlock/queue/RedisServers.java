package io.airlock.queue;

import io.airlock.stack.Resp;
import io.airlock.testing.TestInfra;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;

/**
 * The two Redis versions every engine test runs against: the local 7.x server (via TestInfra, db 1)
 * and an embedded 6.2 (codemonstur embedded-redis 1.4.4 ships 6.2.6), started once per test JVM.
 * Their XAUTOCLAIM replies differ, which is the point.
 */
final class RedisServers {
    static final String V7 = "redis-7";
    static final String V62 = "redis-6.2";
    private static String url62;
    private static int port62;

    private RedisServers() {
    }

    static List<String> both() {
        return List.of(V7, V62);
    }

    static synchronized String url(String server) {
        if (server.equals(V7)) {
            return TestInfra.redisUrl();
        }
        if (url62 == null) {
            try {
                int port;
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                RedisServer r = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                        .setting("appendonly no").setting("save \"\"").build();
                r.start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        r.stop();
                    } catch (IOException ignored) {
                        // the JVM is going away; the server dies with its parent's pipes
                    }
                }));
                port62 = port;
                url62 = "redis://127.0.0.1:" + port + "/" + TestInfra.REDIS_DB;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return url62;
    }

    /** Deletes every key starting with {@code prefix} (the test db is shared with other modules' tests). */
    static void deleteKeys(String server, String prefix) {
        url(server);
        try (Resp r = server.equals(V7) ? Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)
                : new Resp("127.0.0.1", port62, TestInfra.REDIS_DB)) {
            String cursor = "0";
            do {
                List<?> page = (List<?>) r.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
                cursor = (String) page.get(0);
                for (Object key : (List<?>) page.get(1)) {
                    r.call("DEL", (String) key);
                }
            } while (!cursor.equals("0"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A RESP2 client, as the connector uses. */
    static Redis client(Vertx vertx, String server) {
        return Redis.createClient(vertx, new RedisOptions().setConnectionString(url(server))
                .setPreferredProtocolVersion(ProtocolVersion.RESP2).setMaxPoolSize(8).setMaxPoolWaiting(64));
    }
}
