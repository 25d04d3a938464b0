package io.airlock.queue;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer-group reader of one Redis stream: the engine of the connector's incoming side, usable
 * on its own with any Vert.x Redis client (the tests do).
 *
 * <ul>
 *   <li>At start, re-reads this consumer's own pending entries (a restart under the same name picks
 *       up what it held when it stopped), then reads new ones.</li>
 *   <li>Every reclaim interval, claims entries other consumers left idle longer than min-idle-time
 *       (XAUTOCLAIM, following the cursor to its end), so a crashed worker's messages come back.</li>
 *   <li>Entries in flight here are claimed again (XCLAIM ... JUSTID) every claim-refresh interval,
 *       so a live worker's long job is never taken from it.</li>
 *   <li>An entry delivered more than max-deliveries times goes to the dead-letter stream instead.</li>
 *   <li>Never holds more than max-in-flight unacknowledged entries.</li>
 * </ul>
 */
public final class StreamConsumer {
    private static final Logger LOG = Logger.getLogger(StreamConsumer.class);

    private final Redis redis;
    private final Vertx vertx;
    private final ConsumerOptions o;
    private final QueueMetrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    private volatile boolean historyDone;
    private volatile String historyCursor = "0";
    private volatile String reclaimCursor = "0-0";
    private volatile long nextReclaimNanos;
    private long refreshTimer = -1;

    public StreamConsumer(Redis redis, Vertx vertx, ConsumerOptions options, QueueMetrics metrics) {
        this.redis = redis;
        this.vertx = vertx;
        this.o = options;
        this.metrics = metrics;
    }

    public ConsumerOptions options() {
        return o;
    }

    /** Creates the group (and the stream) if missing and starts refreshing claims. */
    public Uni<Void> start() {
        return ensureGroup().invoke(() -> {
            nextReclaimNanos = System.nanoTime();
            refreshTimer = vertx.setPeriodic(Math.max(1, o.claimRefresh().toMillis()), id -> refreshClaims());
        });
    }

    private Uni<Void> ensureGroup() {
        return send(Request.cmd(Command.XGROUP).arg("CREATE").arg(o.stream()).arg(o.group()).arg(o.startId()).arg("MKSTREAM"))
                .replaceWithVoid()
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull();
    }

    /** The endless flow of deliveries; ends after {@link #stop(Duration)}. */
    public Multi<Delivery> deliveries() {
        return Multi.createBy().repeating().uni(this::poll).whilst(batch -> !stopped)
                .onItem().transformToIterable(batch -> batch);
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Stops reading; waits up to {@code grace} for in-flight entries. What is left stays pending under this name. */
    public void stop(Duration grace) {
        stopped = true;
        if (refreshTimer >= 0) {
            vertx.cancelTimer(refreshTimer);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.warnf("stream %s: stopping with %d entries unacknowledged; they stay pending for consumer %s",
                    o.stream(), inFlight.get(), o.consumer());
        }
    }

    private Uni<List<Delivery>> poll() {
        if (stopped) {
            return Uni.createFrom().item(List.of());
        }
        int free = o.maxInFlight() - inFlight.get();
        if (free <= 0) {
            return idle(Duration.ofMillis(20));
        }
        Uni<List<Delivery>> step;
        if (!historyDone) {
            step = readHistory(free);
        } else if (System.nanoTime() >= nextReclaimNanos) {
            step = reclaim(free);
        } else {
            step = readNew(Math.min(free, o.batchSize()));
        }
        return step.onFailure().recoverWithUni(this::recover);
    }

    private Uni<List<Delivery>> recover(Throwable e) {
        if (stopped) {
            return Uni.createFrom().item(List.of());
        }
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("NOGROUP")) {
            // the stream or group vanished (Redis restarted without its data, or was flushed): recreate, keep going
            LOG.warnf("stream %s: group %s missing, recreating", o.stream(), o.group());
            return ensureGroup().replaceWith(List.<Delivery>of()).onFailure().recoverWithItem(List.of());
        }
        LOG.warnf("stream %s: redis error, retrying in 1 s: %s", o.stream(), msg);
        return idle(Duration.ofSeconds(1));
    }

    private Uni<List<Delivery>> idle(Duration d) {
        return Uni.createFrom().item(List.<Delivery>of()).onItem().delayIt().by(d);
    }

    /** This consumer's own pending entries, left from a previous run under the same name. */
    private Uni<List<Delivery>> readHistory(int free) {
        return send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(o.group()).arg(o.consumer())
                .arg("COUNT").arg(free).arg("STREAMS").arg(o.stream()).arg(historyCursor))
                .onItem().transformToUni(reply -> {
                    List<StreamEntry> entries = Replies.readGroup(reply, o.stream());
                    if (entries.isEmpty()) {
                        historyDone = true;
                        return Uni.createFrom().item(List.<Delivery>of());
                    }
                    historyCursor = entries.get(entries.size() - 1).id();
                    LOG.infof("stream %s: re-reading %d entries pending for consumer %s", o.stream(), entries.size(), o.consumer());
                    return withCounts(entries);
                });
    }

    private Uni<List<Delivery>> readNew(int count) {
        return send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(o.group()).arg(o.consumer())
                .arg("COUNT").arg(count).arg("BLOCK").arg(o.block().toMillis()).arg("STREAMS").arg(o.stream()).arg(">"))
                .map(reply -> {
                    List<Delivery> out = new ArrayList<>();
                    for (StreamEntry e : Replies.readGroup(reply, o.stream())) {
                        out.add(hold(new StreamEntry(e.id(), e.fields(), 1), false));
                    }
                    return out;
                });
    }

    /** XAUTOCLAIM one page; the cursor is followed across polls until it wraps to 0-0. */
    private Uni<List<Delivery>> reclaim(int free) {
        return send(Request.cmd(Command.XAUTOCLAIM).arg(o.stream()).arg(o.group()).arg(o.consumer())
                .arg(o.minIdle().toMillis()).arg(reclaimCursor).arg("COUNT").arg(free))
                .onItem().transformToUni(reply -> {
                    Replies.AutoClaim page = Replies.autoClaim(reply);
                    reclaimCursor = page.cursor();
                    if ("0-0".equals(page.cursor())) {
                        nextReclaimNanos = System.nanoTime() + o.reclaimInterval().toNanos();
                    }
                    Uni<Void> cleanup = page.deletedIds().isEmpty() ? Uni.createFrom().voidItem() : ackIds(page.deletedIds());
                    List<StreamEntry> claimed = page.entries().stream().filter(e -> !held.contains(e.id())).toList();
                    if (!claimed.isEmpty()) {
                        metrics.reclaimed(claimed.size());
                        LOG.infof("stream %s: consumer %s claimed %d idle entries", o.stream(), o.consumer(), claimed.size());
                    }
                    return cleanup.chain(() -> withCounts(claimed)).call(this::refreshDepth);
                });
    }

    private Uni<Void> refreshDepth() {
        return send(Request.cmd(Command.XLEN).arg(o.stream()))
                .chain(len -> send(Request.cmd(Command.XPENDING).arg(o.stream()).arg(o.group()))
                        .invoke(p -> metrics.depth(len.toLong(), p.get(0).toLong())))
                .replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    /** Looks up each entry's delivery count; dead-letters those over the limit, holds the rest. */
    private Uni<List<Delivery>> withCounts(List<StreamEntry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Uni<Delivery>> each = new ArrayList<>();
        for (StreamEntry e : entries) {
            each.add(send(Request.cmd(Command.XPENDING).arg(o.stream()).arg(o.group()).arg(e.id()).arg(e.id()).arg(1))
                    .onItem().transformToUni(p -> {
                        long deliveries = p.size() > 0 ? p.get(0).get(3).toLong() : 1;
                        StreamEntry counted = new StreamEntry(e.id(), e.fields(), deliveries);
                        if (deliveries > o.maxDeliveries()) {
                            return deadLetter(counted).replaceWith((Delivery) null);
                        }
                        return Uni.createFrom().item(hold(counted, true));
                    }));
        }
        return Uni.join().all(each).andFailFast()
                .map(list -> list.stream().filter(d -> d != null).toList());
    }

    private Uni<Void> deadLetter(StreamEntry e) {
        Request add = Request.cmd(Command.XADD).arg(o.deadLetterStream()).arg("*");
        e.fields().forEach((k, v) -> add.arg(k).arg(v));
        add.arg("dead.stream").arg(o.stream())
                .arg("dead.id").arg(e.id())
                .arg("dead.group").arg(o.group())
                .arg("dead.deliveries").arg(e.deliveries())
                .arg("dead.error").arg(lastError.getOrDefault(e.id(), "unknown (failed in another process)"));
        return send(add).chain(() -> ackIds(List.of(e.id()))).invoke(() -> {
            lastError.remove(e.id());
            metrics.deadLettered();
            LOG.warnf("stream %s: entry %s dead-lettered to %s after %d deliveries", o.stream(), e.id(),
                    o.deadLetterStream(), e.deliveries());
        });
    }

    private Delivery hold(StreamEntry e, boolean redelivery) {
        inFlight.incrementAndGet();
        held.add(e.id());
        metrics.delivered(redelivery || e.deliveries() > 1);
        long start = System.nanoTime();
        return new Delivery() {
            @Override
            public StreamEntry entry() {
                return e;
            }

            @Override
            public Uni<Void> ack() {
                return ackIds(List.of(e.id())).invoke(() -> {
                    lastError.remove(e.id());
                    release(e.id());
                    metrics.acked(System.nanoTime() - start);
                }).onFailure().invoke(err -> release(e.id()));
            }

            @Override
            public Uni<Void> nack(Throwable reason) {
                // stays pending: reclaimed after min-idle-time, its delivery count rising towards the dead-letter limit
                lastError.put(e.id(), String.valueOf(reason));
                release(e.id());
                metrics.nacked(System.nanoTime() - start);
                return Uni.createFrom().voidItem();
            }
        };
    }

    private void release(String id) {
        if (held.remove(id)) {
            inFlight.decrementAndGet();
        }
    }

    private Uni<Void> ackIds(List<String> ids) {
        Request ack = Request.cmd(Command.XACK).arg(o.stream()).arg(o.group());
        ids.forEach(ack::arg);
        Uni<Void> acked = send(ack).replaceWithVoid();
        if (!o.deleteOnAck()) {
            return acked;
        }
        // one group per stream: once acknowledged an entry is done, and XLEN stays the backlog
        Request del = Request.cmd(Command.XDEL).arg(o.stream());
        ids.forEach(del::arg);
        return acked.chain(() -> send(del)).replaceWithVoid();
    }

    /** Resets the idle time of every entry in flight here, without counting a delivery. */
    private void refreshClaims() {
        if (held.isEmpty() || stopped) {
            return;
        }
        Request claim = Request.cmd(Command.XCLAIM).arg(o.stream()).arg(o.group()).arg(o.consumer()).arg(0);
        held.forEach(claim::arg);
        claim.arg("JUSTID");
        send(claim).subscribe().with(r -> { }, e -> LOG.warnf("stream %s: claim refresh failed: %s", o.stream(), e.getMessage()));
    }

    private Uni<Response> send(Request r) {
        return redis.send(r);
    }
}
