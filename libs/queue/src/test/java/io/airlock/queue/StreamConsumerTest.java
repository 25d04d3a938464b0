package io.airlock.queue;

import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer engine against real Redis servers: the local 7.x one and an embedded 6.2 one
 * (their XAUTOCLAIM replies differ). Each test uses fresh stream names; timings are shortened
 * (min-idle well under a second) so the whole class runs in seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamConsumerTest {
    static final String PREFIX = "test:queue:" + UUID.randomUUID() + ":";
    Vertx vertx;
    Map<String, Redis> clients = new ConcurrentHashMap<>();
    List<Runnable> cleanup = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        vertx = Vertx.vertx();
        RedisServers.both().forEach(s -> clients.put(s, RedisServers.client(vertx, s)));
    }

    @AfterEach
    void stopConsumers() {
        cleanup.forEach(Runnable::run);
        cleanup.clear();
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
    void serverVersionIsTheOneClaimed(String server) {
        String info = send(server, Request.cmd(Command.INFO).arg("server")).toString();
        assertThat(info).contains(server.equals(RedisServers.V62) ? "redis_version:6.2" : "redis_version:7");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anAcknowledgedEntryIsGoneFromPendingAndFromTheStream(String server) {
        String stream = stream();
        add(server, stream, "one");
        Recorded m = new Recorded();
        StreamConsumer c = consumer(server, opts(stream, "c1", Duration.ofSeconds(30), 5, 8), m);
        List<Delivery> got = run(c);
        await(() -> got.size() == 1, "delivery");
        assertThat(got.get(0).entry().fields()).containsEntry("payload", "one");
        assertThat(got.get(0).entry().deliveries()).isEqualTo(1);
        assertThat(pending(server, stream)).isEqualTo(1);
        assertThat(c.inFlight()).isEqualTo(1);

        got.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(pending(server, stream)).isZero();
        assertThat(len(server, stream)).isZero();
        assertThat(c.inFlight()).isZero();
        assertThat(m.delivered.get()).isEqualTo(1);
        assertThat(m.acked.get()).isEqualTo(1);
        // a second ack (or a late nack) of a settled entry changes nothing
        got.get(0).nack(new IllegalStateException("late")).await().atMost(Duration.ofSeconds(5));
        assertThat(m.nacked.get()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anAcknowledgementRedisRefusesLeavesTheEntryPendingAndNeverFailsTheCaller(String server) {
        String stream = stream();
        add(server, stream, "one");
        StreamConsumer c = consumer(server, opts(stream, "c1", Duration.ofSeconds(30), 5, 8), QueueMetrics.NONE);
        List<Delivery> got = run(c);
        await(() -> got.size() == 1, "delivery");
        // make XACK fail: the stream key now holds a string, so Redis answers WRONGTYPE
        send(server, Request.cmd(Command.RENAME).arg(stream).arg(stream + ":moved"));
        send(server, Request.cmd(Command.SET).arg(stream).arg("not a stream"));
        // a failed acknowledgement must not fail the messaging stream (the worker would go deaf)
        got.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(c.inFlight()).isZero();
        send(server, Request.cmd(Command.DEL).arg(stream));
        send(server, Request.cmd(Command.RENAME).arg(stream + ":moved").arg(stream));
        assertThat(pending(server, stream)).as("still pending, to be handled again").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aDeadConsumersEntryIsReclaimedByALiveOne(String server) {
        String stream = stream();
        add(server, stream, "orphan");
        // consumer A takes the entry and "dies": never acks, never refreshes its claim
        StreamConsumer a = consumer(server, opts(stream, "a", Duration.ofMillis(500), 5, 8), QueueMetrics.NONE);
        List<Delivery> gotA = run(a);
        await(() -> gotA.size() == 1, "first delivery");
        a.stop(Duration.ZERO);

        Recorded m = new Recorded();
        StreamConsumer b = consumer(server, opts(stream, "b", Duration.ofMillis(500), 5, 8), m);
        List<Delivery> gotB = run(b);
        await(() -> gotB.size() == 1, "redelivery to b");
        assertThat(gotB.get(0).entry().id()).isEqualTo(gotA.get(0).entry().id());
        assertThat(gotB.get(0).entry().fields()).containsEntry("payload", "orphan");
        assertThat(gotB.get(0).entry().deliveries()).isEqualTo(2);
        assertThat(m.reclaimed.get()).isEqualTo(1);
        assertThat(m.redelivered.get()).isEqualTo(1);
        gotB.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(pending(server, stream)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void reclaimFollowsTheCursorPastItsFirstPage(String server) {
        String stream = stream();
        for (int i = 0; i < 7; i++) {
            add(server, stream, "m" + i);
        }
        StreamConsumer a = consumer(server, opts(stream, "a", Duration.ofMillis(400), 5, 7), QueueMetrics.NONE);
        List<Delivery> gotA = run(a);
        await(() -> gotA.size() == 7, "all to a");
        a.stop(Duration.ZERO);
        // b claims in pages of at most 2 (its max-in-flight): the cursor must carry it through all 7
        StreamConsumer b = consumer(server, opts(stream, "b", Duration.ofMillis(400), 5, 2), QueueMetrics.NONE);
        AtomicInteger acked = new AtomicInteger();
        run(b, d -> d.ack().subscribe().with(v -> acked.incrementAndGet()));
        await(() -> acked.get() == 7, "all 7 reclaimed and acked by b");
        assertThat(pending(server, stream)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLiveWorkersLongJobIsNotTakenFromIt(String server) throws Exception {
        String stream = stream();
        add(server, stream, "long");
        Duration minIdle = Duration.ofMillis(500);
        // a's own XAUTOCLAIM would also reset the idle time of what it holds: make it rare, so only the claim refresh protects
        StreamConsumer a = consumer(server, new ConsumerOptions(stream, "g", "a", "0", 16, Duration.ofMillis(100), 8, minIdle,
                Duration.ofSeconds(30), minIdle.dividedBy(3), 5, stream + ":dead", true, Duration.ofSeconds(1)), QueueMetrics.NONE);
        List<Delivery> gotA = run(a);
        await(() -> gotA.size() == 1, "delivery to a");
        StreamConsumer b = consumer(server, opts(stream, "b", minIdle, 5, 8), QueueMetrics.NONE);
        List<Delivery> gotB = run(b);
        // a "works" for 3x min-idle-time while b tries to reclaim every 100 ms
        Thread.sleep(minIdle.toMillis() * 3);
        assertThat(gotB).isEmpty();
        assertThat(deliveryCount(server, stream, gotA.get(0).entry().id())).isEqualTo(1);
        gotA.get(0).ack().await().atMost(Duration.ofSeconds(5));
        assertThat(pending(server, stream)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anEntryThatAlwaysFailsIsDeadLetteredAfterMaxDeliveries(String server) {
        String stream = stream();
        send(server, Request.cmd(Command.XADD).arg(stream).arg("*").arg("payload").arg("poison").arg("type").arg("WorkItem")
                .arg("trace").arg("t-1").arg("dead.stream").arg("upstream"));
        Recorded m = new Recorded();
        ConsumerOptions o = opts(stream, "c", Duration.ofMillis(300), 3, 4);
        StreamConsumer c = consumer(server, o, m);
        AtomicInteger attempts = new AtomicInteger();
        run(c, d -> {
            attempts.incrementAndGet();
            d.nack(new IllegalStateException("handler failed " + d.entry().deliveries())).await().indefinitely();
        });
        await(() -> len(server, o.deadLetterStream()) == 1, "dead letter");
        await(() -> pending(server, stream) == 0, "no longer pending");
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(m.deadLettered.get()).isEqualTo(1);
        Map<String, String> f = deadLetters(server, o.deadLetterStream()).get(0);
        assertThat(f).containsEntry("payload", "poison")
                .containsEntry("type", "WorkItem")
                .containsEntry("trace", "t-1")
                .containsEntry("dead.dead.stream", "upstream")
                .containsEntry("dead.stream", stream)
                .containsEntry("dead.group", "g")
                .containsEntry("dead.deliveries", "4")
                .containsEntry("dead.error", "java.lang.IllegalStateException: handler failed 3");
        assertThat(f.get("dead.id")).matches("\\d+-\\d+");
        // nothing of it is left behind: not in the stream, no recorded error
        assertThat(len(server, stream)).isZero();
        assertThat(send(server, Request.cmd(Command.EXISTS).arg(o.errorsKey())).toLong()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void theDeadLetterCarriesTheErrorSeenByAnotherConsumer(String server) {
        String stream = stream();
        add(server, stream, "fails-in-a");
        StreamConsumer a = consumer(server, opts(stream, "a", Duration.ofMillis(300), 1, 8), QueueMetrics.NONE);
        List<Delivery> gotA = run(a);
        await(() -> gotA.size() == 1, "delivery to a");
        gotA.get(0).nack(new IllegalArgumentException("bad blob in a")).await().atMost(Duration.ofSeconds(5));
        a.stop(Duration.ZERO);
        // b never sees it fail: max-deliveries 1, so its claim dead-letters at once
        ConsumerOptions ob = opts(stream, "b", Duration.ofMillis(300), 1, 8);
        List<Delivery> gotB = run(consumer(server, ob, QueueMetrics.NONE));
        await(() -> len(server, ob.deadLetterStream()) == 1, "dead letter by b");
        assertThat(gotB).isEmpty();
        assertThat(deadLetters(server, ob.deadLetterStream()).get(0))
                .containsEntry("dead.error", "java.lang.IllegalArgumentException: bad blob in a")
                .containsEntry("dead.consumer", "b")
                .containsEntry("dead.deliveries", "2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aRestartedConsumerFirstReReadsItsOwnPendingEntries(String server) {
        String stream = stream();
        add(server, stream, "held");
        StreamConsumer first = consumer(server, opts(stream, "same-name", Duration.ofSeconds(60), 5, 8), QueueMetrics.NONE);
        List<Delivery> got1 = run(first);
        await(() -> got1.size() == 1, "first delivery");
        first.stop(Duration.ZERO);
        add(server, stream, "newer");
        // min-idle is a minute: only the own-pending re-read can bring it back this fast, and before the newer one
        StreamConsumer again = consumer(server, opts(stream, "same-name", Duration.ofSeconds(60), 5, 8), QueueMetrics.NONE);
        List<Delivery> got2 = run(again);
        await(() -> got2.size() == 2, "re-read after restart, then the new entry");
        assertThat(got2.get(0).entry().id()).isEqualTo(got1.get(0).entry().id());
        assertThat(got2.get(0).entry().deliveries()).isEqualTo(2);
        assertThat(got2.get(1).entry().fields()).containsEntry("payload", "newer");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void neverHoldsMoreThanMaxInFlight(String server) throws Exception {
        String stream = stream();
        for (int i = 0; i < 10; i++) {
            add(server, stream, "m" + i);
        }
        ConsumerOptions o = new ConsumerOptions(stream, "g", "c", "0", 10, Duration.ofMillis(100), 3, Duration.ofSeconds(30),
                Duration.ofMillis(100), Duration.ofSeconds(10), 5, stream + ":dead", true, Duration.ofSeconds(1));
        StreamConsumer c = consumer(server, o, QueueMetrics.NONE);
        List<Delivery> got = run(c);
        await(() -> got.size() == 3, "three deliveries");
        Thread.sleep(300);
        assertThat(got).hasSize(3);
        assertThat(pending(server, stream)).isEqualTo(3);
        got.get(0).ack().await().atMost(Duration.ofSeconds(5));
        await(() -> got.size() == 4, "a fourth once a slot is free");
        Thread.sleep(200);
        assertThat(got).hasSize(4);
        assertThat(pending(server, stream)).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void entriesDeletedWhilePendingAreAcknowledgedNotDeliveredOnReclaim(String server) {
        String stream = stream();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(add(server, stream, "m" + i));
        }
        StreamConsumer a = consumer(server, opts(stream, "a", Duration.ofMillis(300), 5, 8), QueueMetrics.NONE);
        List<Delivery> gotA = run(a);
        await(() -> gotA.size() == 3, "all to a");
        a.stop(Duration.ZERO);
        send(server, Request.cmd(Command.XDEL).arg(stream).arg(ids.get(1)));

        Recorded m = new Recorded();
        StreamConsumer b = consumer(server, opts(stream, "b", Duration.ofMillis(300), 5, 8), m);
        List<String> payloads = new CopyOnWriteArrayList<>();
        run(b, d -> {
            payloads.add(d.entry().fields().get("payload"));
            d.ack().await().indefinitely();
        });
        await(() -> payloads.size() == 2 && pending(server, stream) == 0, "the two live entries, nothing pending");
        assertThat(payloads).containsExactlyInAnyOrder("m0", "m2");
        // the loop is still alive after meeting the deleted one
        add(server, stream, "after");
        await(() -> payloads.contains("after"), "a later entry");
        assertThat(m.deletedCleaned.get()).isEqualTo(server.equals(RedisServers.V62) ? 1 : 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void entriesDeletedWhilePendingAreAcknowledgedNotDeliveredOnRestart(String server) {
        String stream = stream();
        String gone = add(server, stream, "gone");
        add(server, stream, "kept");
        StreamConsumer first = consumer(server, opts(stream, "same", Duration.ofSeconds(60), 5, 8), QueueMetrics.NONE);
        List<Delivery> got1 = run(first);
        await(() -> got1.size() == 2, "both");
        first.stop(Duration.ZERO);
        send(server, Request.cmd(Command.XDEL).arg(stream).arg(gone));

        Recorded m = new Recorded();
        StreamConsumer again = consumer(server, opts(stream, "same", Duration.ofSeconds(60), 5, 8), m);
        List<Delivery> got2 = run(again);
        await(() -> got2.size() == 1 && pending(server, stream) == 1, "only the kept one, the gone one acknowledged");
        assertThat(got2.get(0).entry().fields()).containsEntry("payload", "kept");
        assertThat(m.deletedCleaned.get()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void stopLetsInFlightWorkFinishWithinGraceAndLeavesTheRestPending(String server) throws Exception {
        String stream = stream();
        add(server, stream, "quick");
        add(server, stream, "slow");
        StreamConsumer c = consumer(server, opts(stream, "worker-1", Duration.ofSeconds(60), 5, 8), QueueMetrics.NONE);
        List<Delivery> got = run(c);
        await(() -> got.size() == 2, "both in flight");
        Delivery quick = got.get(0);
        // the quick one finishes 200 ms into a 1 s grace; the slow one never does
        new Thread(() -> {
            sleep(200);
            quick.ack().await().indefinitely();
        }).start();
        long t0 = System.nanoTime();
        c.stopReading();
        boolean idle = c.awaitIdle(Duration.ofSeconds(1));
        assertThat(idle).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(pending(server, stream)).isEqualTo(1);
        assertThat(pendingOf(server, stream, "worker-1")).isEqualTo(1);
        assertThat(c.inFlight()).isEqualTo(1);
        assertThat(len(server, stream)).isEqualTo(1); // the quick one was acknowledged (and deleted)
        // nothing is read after the stop
        add(server, stream, "after-stop");
        Thread.sleep(300);
        assertThat(got).hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void depthIsReported(String server) {
        String stream = stream();
        add(server, stream, "a");
        add(server, stream, "b");
        Recorded m = new Recorded();
        StreamConsumer c = consumer(server, new ConsumerOptions(stream, "g", "c", "0", 1, Duration.ofMillis(100), 1,
                Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(10), 5, stream + ":dead", true,
                Duration.ofSeconds(1)), m);
        List<Delivery> got = run(c);
        await(() -> got.size() == 1, "one delivery");
        await(() -> m.length.get() == 2 && m.pending.get() == 1, "length 2, pending 1");
        if (server.equals(RedisServers.V7)) {
            await(() -> m.lag.get() == 1, "lag 1 (Redis 7 reports it)");
        } else {
            assertThat(m.lag.get()).isEqualTo(-1);
        }
    }

    // --- helpers ---

    /** In-memory {@link QueueMetrics}. */
    static final class Recorded implements QueueMetrics {
        final AtomicInteger delivered = new AtomicInteger();
        final AtomicInteger redelivered = new AtomicInteger();
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger nacked = new AtomicInteger();
        final AtomicInteger reclaimed = new AtomicInteger();
        final AtomicInteger deadLettered = new AtomicInteger();
        final AtomicInteger deletedCleaned = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong length = new java.util.concurrent.atomic.AtomicLong(-1);
        final java.util.concurrent.atomic.AtomicLong pending = new java.util.concurrent.atomic.AtomicLong(-1);
        final java.util.concurrent.atomic.AtomicLong lag = new java.util.concurrent.atomic.AtomicLong(-2);

        @Override
        public void delivered(boolean redelivery) {
            (redelivery ? redelivered : delivered).incrementAndGet();
        }

        @Override
        public void acked(long nanos) {
            acked.incrementAndGet();
        }

        @Override
        public void nacked(long nanos) {
            nacked.incrementAndGet();
        }

        @Override
        public void reclaimed(int count) {
            reclaimed.addAndGet(count);
        }

        @Override
        public void deadLettered() {
            deadLettered.incrementAndGet();
        }

        @Override
        public void deletedCleaned(int count) {
            deletedCleaned.addAndGet(count);
        }

        @Override
        public void depth(long len, long pend, OptionalLong lg) {
            length.set(len);
            pending.set(pend);
            lag.set(lg.orElse(-1));
        }
    }

    /** Short timings: reclaim every 100 ms, claims refreshed at min-idle / 3. */
    private static ConsumerOptions opts(String stream, String name, Duration minIdle, int maxDeliveries, int maxInFlight) {
        return new ConsumerOptions(stream, "g", name, "0", 16, Duration.ofMillis(100), maxInFlight, minIdle,
                Duration.ofMillis(100), minIdle.dividedBy(3), maxDeliveries, stream + ":dead", true, Duration.ofSeconds(1));
    }

    private StreamConsumer consumer(String server, ConsumerOptions o, QueueMetrics m) {
        StreamConsumer c = new StreamConsumer(clients.get(server), vertx, o, m);
        c.start().await().atMost(Duration.ofSeconds(5));
        cleanup.add(() -> c.stop(Duration.ZERO));
        return c;
    }

    private List<Delivery> run(StreamConsumer c) {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        run(c, got::add);
        return got;
    }

    private void run(StreamConsumer c, Consumer<Delivery> handler) {
        Cancellable sub = c.deliveries().emitOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(handler, e -> { });
        cleanup.add(sub::cancel);
    }

    private static String stream() {
        return PREFIX + UUID.randomUUID();
    }

    private String add(String server, String stream, String payload) {
        return send(server, Request.cmd(Command.XADD).arg(stream).arg("*").arg("payload").arg(payload)).toString();
    }

    private long len(String server, String stream) {
        return send(server, Request.cmd(Command.XLEN).arg(stream)).toLong();
    }

    private long pending(String server, String stream) {
        return send(server, Request.cmd(Command.XPENDING).arg(stream).arg("g")).get(0).toLong();
    }

    private long pendingOf(String server, String stream, String consumer) {
        return send(server, Request.cmd(Command.XPENDING).arg(stream).arg("g").arg("-").arg("+").arg(10).arg(consumer)).size();
    }

    private long deliveryCount(String server, String stream, String id) {
        return Replies.deliveryCount(send(server, Request.cmd(Command.XPENDING).arg(stream).arg("g").arg(id).arg(id).arg(1)))
                .orElseThrow();
    }

    private List<Map<String, String>> deadLetters(String server, String dead) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Response e : send(server, Request.cmd(Command.XRANGE).arg(dead).arg("-").arg("+"))) {
            out.add(Replies.fields(e.get(1)));
        }
        return out;
    }

    private Response send(String server, Request r) {
        return clients.get(server).send(r).await().atMost(Duration.ofSeconds(5));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(20);
        }
    }
}
