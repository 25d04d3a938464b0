package io.airlock.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Kind;
import io.airlock.contracts.WorkItem;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The outgoing engine against Redis 7 and 6.2: fields written, trimming, refusals. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamProducerTest {
    static final String PREFIX = "test:queue:" + UUID.randomUUID() + ":";
    final ObjectMapper json = new ObjectMapper();
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
    void aWorkItemIsStoredAsJsonWithTypeAndHeadersBeforeTheSendCompletes(String server) throws Exception {
        String stream = stream();
        WorkItem item = new WorkItem("sub-1", 2, Kind.MODEL, "m", "sha256:ab", 42, "m.gguf", "", "", "");
        String id = producer(server, stream, OptionalLong.empty()).send(item, Map.of("trace", "t-9"))
                .await().atMost(Duration.ofSeconds(5));
        // read right after the send completed: the entry is there
        Response range = send(server, Request.cmd(Command.XRANGE).arg(stream).arg(id).arg(id));
        assertThat(range.size()).isEqualTo(1);
        Map<String, String> f = Replies.fields(range.get(0).get(1));
        assertThat(f).containsOnlyKeys("payload", "type", "trace").containsEntry("type", "WorkItem").containsEntry("trace", "t-9");
        assertThat(json.readValue(f.get("payload"), WorkItem.class)).isEqualTo(item);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void maxLengthTrimsOnlyWhenConfigured(String server) {
        String trimmed = stream();
        String untrimmed = stream();
        StreamProducer t = producer(server, trimmed, OptionalLong.of(10));
        StreamProducer u = producer(server, untrimmed, OptionalLong.empty());
        for (int i = 0; i < 300; i++) {
            t.send("m" + i, Map.of()).await().atMost(Duration.ofSeconds(5));
            u.send("m" + i, Map.of()).await().atMost(Duration.ofSeconds(5));
        }
        // MAXLEN ~ trims whole radix-tree nodes (100 entries by default), so only roughly
        assertThat(len(server, trimmed)).isBetween(10L, 200L);
        assertThat(len(server, untrimmed)).isEqualTo(300);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aReservedHeaderOrNoPayloadFailsAndWritesNothing(String server) {
        String stream = stream();
        StreamProducer p = producer(server, stream, OptionalLong.empty());
        assertThatThrownBy(() -> p.send("x", Map.of("payload", "forged")).await().atMost(Duration.ofSeconds(5)))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> p.send("x", Map.of("type", "Forged")).await().atMost(Duration.ofSeconds(5)))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> p.send(null, Map.of()).await().atMost(Duration.ofSeconds(5)))
                .hasMessageContaining("payload");
        assertThat(len(server, stream)).isZero();
    }

    private StreamProducer producer(String server, String stream, OptionalLong maxLen) {
        return new StreamProducer(clients.get(server), json, stream, maxLen);
    }

    private static String stream() {
        return PREFIX + UUID.randomUUID();
    }

    private long len(String server, String stream) {
        return send(server, Request.cmd(Command.XLEN).arg(stream)).toLong();
    }

    private Response send(String server, Request r) {
        return clients.get(server).send(r).await().atMost(Duration.ofSeconds(5));
    }
}
