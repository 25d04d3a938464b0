package io.airlock.queue;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link QueueStats} on both Redis versions, including streams and groups that do not exist yet. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueStatsTest {
    static final String PREFIX = "test:queue:" + UUID.randomUUID() + ":";
    Vertx vertx;
    Map<String, Redis> clients = new ConcurrentHashMap<>();

    @BeforeAll
    void start() {
        vertx = Vertx.vertx();
        RedisServers.both().forEach(s -> clients.put(s, RedisServers.client(vertx, s)));
    }

    @AfterAll
    void stop() {
        RedisServers.both().forEach(sv -> RedisServers.deleteKeys(sv, PREFIX));
        clients.values().forEach(Redis::close);
        vertx.closeAndAwait();
    }

    List<String> servers() {
        return RedisServers.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void lengthPendingAndLag(String server) {
        Redis r = clients.get(server);
        String stream = PREFIX + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            send(r, Request.cmd(Command.XADD).arg(stream).arg("*").arg("payload").arg("m" + i));
        }
        send(r, Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg("g").arg("0"));
        send(r, Request.cmd(Command.XREADGROUP).arg("GROUP").arg("g").arg("c").arg("COUNT").arg(2).arg("STREAMS").arg(stream).arg(">"));
        QueueStats stats = QueueStats.using(r);

        assertThat(await(stats.length(stream))).isEqualTo(5);
        assertThat(await(stats.pending(stream, "g"))).isEqualTo(2);
        // Redis 7 counts the three never delivered; 6.2 does not report a lag at all
        assertThat(await(stats.lag(stream, "g")))
                .isEqualTo(server.equals(RedisServers.V7) ? OptionalLong.of(3) : OptionalLong.empty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aMissingStreamOrGroupCountsAsEmpty(String server) {
        QueueStats stats = QueueStats.using(clients.get(server));
        String stream = PREFIX + "none:" + UUID.randomUUID();
        assertThat(await(stats.length(stream))).isZero();
        assertThat(await(stats.pending(stream, "g"))).isZero();
        assertThat(await(stats.lag(stream, "g"))).isEmpty();
    }

    private static <T> T await(io.smallrye.mutiny.Uni<T> u) {
        return u.await().atMost(Duration.ofSeconds(5));
    }

    private static void send(Redis r, Request req) {
        r.send(req).await().atMost(Duration.ofSeconds(5));
    }
}
