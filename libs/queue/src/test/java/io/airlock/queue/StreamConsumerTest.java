package io.airlock.queue;

import io.airlock.stack.Infra;
import io.airlock.stack.RedisEndpoint;
import io.airlock.testing.TestInfra;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;
import io.smallrye.mutiny.subscription.Cancellable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer engine against real Redis servers: the local 7.x one and an embedded 6.2 one
 * (their XAUTOCLAIM replies differ). Each test uses fresh stream names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamConsumerTest {
    Vertx vertx;
    Infra embedded62;
    Map<String, Redis> clients = new ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        // the embedded server is the 6.2 series (codemonstur embedded-redis 1.4.4 ships 6.2.6)
        embedded62 = Infra.findOrStart(Files.createTempDirectory("redis62"), "airlock_queue_test", false,
                Map.of("AIRLOCK_INFRA", "embedded"));
        clients.put("redis-7", client(TestInfra.shared().redis()));
        clients.put("redis-6.2", client(embedded62.redis()));
    }

    @AfterAll
    void stop() throws Exception {
        clients.values().forEach(Redis::close);
        vertx.closeAndAwait();
        embedded62.close();
    }

    private Redis client(RedisEndpoint e) {
        return Redis.createClient(vertx, new RedisOptions().setConnectionString(e.url(TestInfra.REDIS_DB))
                .setPreferredProtocolVersion(ProtocolVersion.RESP2).setMaxPoolSize(8).setMaxPoolWaiting(64));
    }

    Stream<String> servers() {
        return Stream.of("redis-7", "redis-6.2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void serverVersionIsTheOneClaimed(String server) {
        String info = send(server, Request.cmd(Command.INFO).arg("server")).toString();
        assertThat(info).contains(server.equals("redis-6.2") ? "redis_version:6.2" : "redis_version:7");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anAcknowledgedEntryIsGoneFromPendingAndFromTheStream(String server) {
        String stream = stream();
        add(server, stream, "one");
        StreamConsumer c = consumer(server, stream, "c1", Duration.ofSeconds(30), 5);
        List<Delivery> got = new CopyOnWriteArrayList<>();
        Cancellable sub = run(c, got::add);
        await(() -> got.size() == 1, "delivery");
        assertThat(got.get(0).entry().fields()).containsEntry("payload", "one");
        assertThat(got.get(0).entry().deliveries()).isEqualTo(1);
        assertThat(pending(server, stream)).isEqualTo(1);
        got.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(pending(server, stream)).isZero();
        assertThat(send(server, Request.cmd(Command.XLEN).arg(stream)).toLong()).isZero();
        assertThat(c.inFlight()).isZero();
        stop(c, sub);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aDeadConsumersEntryIsReclaimedByALiveOne(String server) {
        String stream = stream();
        add(server, stream, "orphan");
        // consumer A takes the entry and "dies": never acks, never refreshes its claim
        StreamConsumer a = consumer(server, stream, "a", Duration.ofMillis(800), 5);
        List<Delivery> gotA = new CopyOnWriteArrayList<>();
        Cancellable subA = run(a, gotA::add);
        await(() -> gotA.size() == 1, "first delivery");
        subA.cancel();
        a.stop(Duration.ZERO);

        StreamConsumer b = consumer(server, stream, "b", Duration.ofMillis(800), 5);
        List<Delivery> gotB = new CopyOnWriteArrayList<>();
        Cancellable subB = run(b, gotB::add);
        await(() -> gotB.size() == 1, "redelivery to b");
        assertThat(gotB.get(0).entry().id()).isEqualTo(gotA.get(0).entry().id());
        assertThat(gotB.get(0).entry().deliveries()).isEqualTo(2);
        gotB.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(pending(server, stream)).isZero();
        stop(b, subB);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void reclaimFollowsTheCursorPastItsFirstPage(String server) {
        String stream = stream();
        for (int i = 0; i < 7; i++) {
            add(server, stream, "m" + i);
        }
        StreamConsumer a = consumer(server, stream, "a", Duration.ofMillis(500), 5, 7, 1);
        List<Delivery> gotA = new CopyOnWriteArrayList<>();
        Cancellable subA = run(a, gotA::add);
        await(() -> gotA.size() == 7, "all to a");
        subA.cancel();
        a.stop(Duration.ZERO);
        // b claims with pages of at most 2 (its max-in-flight): the cursor must carry it through all 7
        StreamConsumer b = consumer(server, stream, "b", Duration.ofMillis(500), 5, 2, 1);
        AtomicInteger acked = new AtomicInteger();
        Cancellable subB = run(b, d -> d.ack().subscribe().with(v -> acked.incrementAndGet()));
        await(() -> acked.get() == 7, "all 7 reclaimed and acked by b");
        assertThat(pending(server, stream)).isZero();
        stop(b, subB);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLiveWorkersLongJobIsNotTakenFromIt(String server) throws Exception {
        String stream = stream();
        add(server, stream, "long");
        Duration minIdle = Duration.ofMillis(600);
        StreamConsumer a = consumer(server, stream, "a", minIdle, 5);
        List<Delivery> gotA = new CopyOnWriteArrayList<>();
        Cancellable subA = run(a, gotA::add);
        await(() -> gotA.size() == 1, "delivery to a");
        StreamConsumer b = consumer(server, stream, "b", minIdle, 5);
        List<Delivery> gotB = new CopyOnWriteArrayList<>();
        Cancellable subB = run(b, gotB::add);
        // a "works" for 3x min-idle-time while b keeps trying to reclaim
        Thread.sleep(minIdle.toMillis() * 3);
        assertThat(gotB).isEmpty();
        gotA.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(pending(server, stream)).isZero();
        stop(a, subA);
        stop(b, subB);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anEntryThatAlwaysFailsIsDeadLetteredAfterMaxDeliveries(String server) {
        String stream = stream();
        String dead = stream + ":dead";
        add(server, stream, "poison");
        StreamConsumer c = new StreamConsumer(clients.get(server), vertx,
                new ConsumerOptions(stream, "g", "c", "0", 4, Duration.ofMillis(100), 4, Duration.ofMillis(300),
                        Duration.ofMillis(100), Duration.ofMillis(100), 3, dead, true, Duration.ofSeconds(1)),
                QueueMetrics.NONE);
        AtomicInteger attempts = new AtomicInteger();
        Cancellable sub = run(c, d -> {
            attempts.incrementAndGet();
            d.nack(new IllegalStateException("handler failed")).await().indefinitely();
        });
        await(() -> send(server, Request.cmd(Command.XLEN).arg(dead)).toLong() == 1, "dead letter");
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(pending(server, stream)).isZero();
        Response entry = send(server, Request.cmd(Command.XRANGE).arg(dead).arg("-").arg("+")).get(0);
        Map<String, String> f = Replies.fields(entry.get(1));
        assertThat(f).containsEntry("payload", "poison")
                .containsEntry("dead.stream", stream)
                .containsEntry("dead.deliveries", "4")
                .containsEntry("dead.error", "java.lang.IllegalStateException: handler failed");
        stop(c, sub);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aRestartedConsumerFirstReReadsItsOwnPendingEntries(String server) {
        String stream = stream();
        add(server, stream, "held");
        StreamConsumer first = consumer(server, stream, "same-name", Duration.ofSeconds(60), 5);
        List<Delivery> got1 = new CopyOnWriteArrayList<>();
        Cancellable s1 = run(first, got1::add);
        await(() -> got1.size() == 1, "first delivery");
        s1.cancel();
        first.stop(Duration.ZERO);
        // min-idle is a minute: only the own-pending re-read can bring it back this fast
        StreamConsumer again = consumer(server, stream, "same-name", Duration.ofSeconds(60), 5);
        List<Delivery> got2 = new CopyOnWriteArrayList<>();
        Cancellable s2 = run(again, got2::add);
        await(() -> got2.size() == 1, "re-read after restart");
        assertThat(got2.get(0).entry().id()).isEqualTo(got1.get(0).entry().id());
        got2.get(0).ack().await().atMost(Duration.ofSeconds(5));
        stop(again, s2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void neverHoldsMoreThanMaxInFlight(String server) throws Exception {
        String stream = stream();
        for (int i = 0; i < 10; i++) {
            add(server, stream, "m" + i);
        }
        StreamConsumer c = consumer(server, stream, "c", Duration.ofSeconds(30), 5, 3, 10);
        List<Delivery> got = new CopyOnWriteArrayList<>();
        Cancellable sub = run(c, got::add);
        await(() -> got.size() == 3, "three deliveries");
        Thread.sleep(300);
        assertThat(got).hasSize(3);
        assertThat(pending(server, stream)).isEqualTo(3);
        got.get(0).ack().await().atMost(Duration.ofSeconds(5));
        await(() -> got.size() == 4, "a fourth once a slot is free");
        stop(c, sub);
    }

    // --- helpers ---

    private StreamConsumer consumer(String server, String stream, String name, Duration minIdle, int maxDeliveries) {
        return consumer(server, stream, name, minIdle, maxDeliveries, 8, 16);
    }

    private StreamConsumer consumer(String server, String stream, String name, Duration minIdle, int maxDeliveries,
                                    int maxInFlight, int batch) {
        var o = new ConsumerOptions(stream, "g", name, "0", batch, Duration.ofMillis(100), maxInFlight, minIdle,
                Duration.ofMillis(100), minIdle.dividedBy(3), maxDeliveries, stream + ":dead", true, Duration.ofSeconds(1));
        StreamConsumer c = new StreamConsumer(clients.get(server), vertx, o, QueueMetrics.NONE);
        c.start().await().atMost(Duration.ofSeconds(5));
        return c;
    }

    private static Cancellable run(StreamConsumer c, java.util.function.Consumer<Delivery> handler) {
        return c.deliveries().emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .subscribe().with(handler::accept, e -> { });
    }

    private static void stop(StreamConsumer c, Cancellable sub) {
        c.stop(Duration.ofSeconds(1));
        sub.cancel();
    }

    private static String stream() {
        return "test:" + UUID.randomUUID();
    }

    private void add(String server, String stream, String payload) {
        send(server, Request.cmd(Command.XADD).arg(stream).arg("*").arg("payload").arg(payload));
    }

    private long pending(String server, String stream) {
        return send(server, Request.cmd(Command.XPENDING).arg(stream).arg("g")).get(0).toLong();
    }

    private Response send(String server, Request r) {
        return clients.get(server).send(r).await().atMost(Duration.ofSeconds(5));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
