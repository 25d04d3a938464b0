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
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer-group reader of one Redis stream: the engine of the connector's incoming side, usable
 * on its own with any RESP2 Vert.x Redis client (the tests do).
 *
 * <ul>
 *   <li>At start, creates the group (MKSTREAM) and re-reads this consumer's own pending entries (a
 *       restart under the same name picks up what it held when it stopped), then reads new ones.</li>
 *   <li>Every reclaim interval, claims entries left idle longer than min-idle-time by any consumer
 *       (XAUTOCLAIM, following the cursor to 0-0), so a crashed worker's messages come back.</li>
 *   <li>Entries in flight here are claimed again (XCLAIM ... JUSTID) every claim-refresh interval,
 *       so a live worker's long job is never taken from it.</li>
 *   <li>An entry delivered more than max-deliveries times goes to the dead-letter stream instead.</li>
 *   <li>Never holds more than max-in-flight unacknowledged entries, and reads only free slots.</li>
 * </ul>
 */
public final class StreamConsumer {
    private static final Logger LOG = Logger.getLogger(StreamConsumer.class);
    /** Longest error text kept per entry: enough for a message and a cause, bounded in Redis. */
    static final int MAX_ERROR_CHARS = 1000;
    static final String DEAD_PREFIX = "dead.";

    private final Redis redis;
    private final Vertx vertx;
    private final ConsumerOptions o;
    private final QueueMetrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private volatile boolean started;
    private volatile boolean stopped;
    private volatile boolean historyDone;
    private volatile String historyCursor = "0";
    private volatile String reclaimCursor = "0-0";
    private volatile long nextReclaimNanos;
    private volatile long lastReadNanos = System.nanoTime();
    private volatile String lastFailure = "";
    private volatile CompletableFuture<Void> slotFreed = new CompletableFuture<>();
    private long refreshTimer = -1;
    private long depthTimer = -1;

    public StreamConsumer(Redis redis, Vertx vertx, ConsumerOptions options, QueueMetrics metrics) {
        this.redis = redis;
        this.vertx = vertx;
        this.o = options;
        this.metrics = metrics;
    }

    public ConsumerOptions options() {
        return o;
    }

    /** What a readiness check needs to know; {@code lastFailure} is "" while Redis answers. */
    public record State(boolean started, boolean stopped, int inFlight, Duration sinceLastRead, String lastFailure) {
    }

    public State state() {
        return new State(started, stopped, inFlight.get(), Duration.ofNanos(System.nanoTime() - lastReadNanos), lastFailure);
    }

    /** Creates the group (and the stream) if missing and starts the claim-refresh and depth timers. */
    public Uni<Void> start() {
        return ensureGroup().invoke(this::startTimers);
    }

    private synchronized void startTimers() {
        if (started || stopped) {
            return;
        }
        nextReclaimNanos = System.nanoTime();
        lastReadNanos = System.nanoTime();
        refreshTimer = vertx.setPeriodic(o.claimRefresh().toMillis(), id -> refreshClaims());
        depthTimer = vertx.setPeriodic(o.reclaimInterval().toMillis(), id -> refreshDepth());
        refreshDepth();
        started = true;
    }

    private Uni<Void> ensureGroup() {
        return send(Request.cmd(Command.XGROUP).arg("CREATE").arg(o.stream()).arg(o.group()).arg(o.startId()).arg("MKSTREAM"))
                .replaceWithVoid()
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull();
    }

    /** The endless flow of deliveries; completes after {@link #stop(Duration)}. */
    public Multi<Delivery> deliveries() {
        return Multi.createBy().repeating().uni(this::poll).whilst(batch -> !stopped)
                .onItem().transformToIterable(batch -> batch);
    }

    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Stops reading and waits (blocking the caller) up to {@code grace} for in-flight entries to be
     * acknowledged or failed; see {@link #stopReading()} and {@link #awaitIdle(Duration)}.
     */
    public void stop(Duration grace) {
        stopReading();
        awaitIdle(grace);
    }

    /** No further reads or claims; entries already delivered may still be acknowledged. */
    public void stopReading() {
        stopped = true;
        slotFreed.complete(null);
    }

    public boolean isStopped() {
        return stopped;
    }

    /**
     * Waits (blocking the caller) up to {@code grace} for in-flight entries, refreshing their claims
     * meanwhile, then stops the timers. Whatever is still in flight is not acknowledged: it stays
     * pending under this consumer name and is re-read at restart.
     *
     * @return whether nothing was left in flight
     */
    public boolean awaitIdle(Duration grace) {
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (this) {
            if (refreshTimer >= 0) {
                vertx.cancelTimer(refreshTimer);
                vertx.cancelTimer(depthTimer);
                refreshTimer = -1;
            }
        }
        int left = inFlight.get();
        if (left > 0) {
            LOG.warnf("stream %s: stopping with %d entries unacknowledged; they stay pending for consumer %s",
                    o.stream(), left, o.consumer());
        }
        return left == 0;
    }

    private Uni<List<Delivery>> poll() {
        if (stopped) {
            return Uni.createFrom().item(List.of());
        }
        int free = o.maxInFlight() - inFlight.get();
        if (free <= 0) {
            return waitForSlot();
        }
        Uni<List<Delivery>> step;
        if (!historyDone) {
            step = readHistory(free);
        } else if (System.nanoTime() - nextReclaimNanos >= 0) {
            step = reclaim(free);
        } else {
            step = readNew(Math.min(free, o.batchSize()));
        }
        return step.invoke(() -> {
            lastReadNanos = System.nanoTime();
            if (!lastFailure.isEmpty()) {
                LOG.infof("stream %s: redis answers again", o.stream());
                lastFailure = "";
            }
        }).onFailure().recoverWithUni(this::recover);
    }

    /** Parks the read loop until a slot frees (or block-ms passes, to notice a stop). */
    private Uni<List<Delivery>> waitForSlot() {
        CompletableFuture<Void> signal = new CompletableFuture<>();
        slotFreed = signal;
        // a slot may have freed between the caller's check and the assignment above
        if (inFlight.get() < o.maxInFlight() || stopped) {
            signal.complete(null);
        }
        return Uni.createFrom().completionStage(signal)
                .ifNoItem().after(o.block()).recoverWithItem((Void) null)
                .map(v -> List.of());
    }

    private Uni<List<Delivery>> recover(Throwable e) {
        if (stopped) {
            return Uni.createFrom().item(List.of());
        }
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("NOGROUP")) {
            // the stream or group vanished (Redis restarted without its data, or was flushed): recreate, keep going
            LOG.warnf("stream %s: group %s missing, recreating", o.stream(), o.group());
            reclaimCursor = "0-0";
            return ensureGroup().replaceWith(List.<Delivery>of()).onFailure().recoverWithItem(List.of());
        }
        if (lastFailure.isEmpty()) {
            LOG.warnf("stream %s: redis error, retrying every second until it answers: %s", o.stream(), msg);
        } else {
            LOG.debugf("stream %s: redis error: %s", o.stream(), msg);
        }
        lastFailure = msg;
        return Uni.createFrom().item(List.<Delivery>of()).onItem().delayIt().by(Duration.ofSeconds(1));
    }

    /** This consumer's own pending entries, left from a previous run under the same name. */
    private Uni<List<Delivery>> readHistory(int free) {
        return send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(o.group()).arg(o.consumer())
                .arg("COUNT").arg(free).arg("STREAMS").arg(o.stream()).arg(historyCursor))
                .onItem().transformToUni(reply -> {
                    Replies.Read read = Replies.readGroup(reply, o.stream());
                    if (read.isEmpty()) {
                        historyDone = true;
                        return Uni.createFrom().item(List.<Delivery>of());
                    }
                    historyCursor = read.lastId();
                    LOG.infof("stream %s: re-reading %d entries pending for consumer %s", o.stream(),
                            read.entries().size() + read.deletedIds().size(), o.consumer());
                    return cleanDeleted(read.deletedIds()).chain(() -> admit(read.entries()));
                });
    }

    private Uni<List<Delivery>> readNew(int count) {
        return send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(o.group()).arg(o.consumer())
                .arg("COUNT").arg(count).arg("BLOCK").arg(o.block().toMillis()).arg("STREAMS").arg(o.stream()).arg(">"))
                .map(reply -> {
                    List<Delivery> out = new ArrayList<>();
                    // a '>' read creates each pending entry afresh: this is its first delivery
                    for (StreamEntry e : Replies.readGroup(reply, o.stream()).entries()) {
                        out.add(hold(new StreamEntry(e.id(), e.fields(), 1)));
                    }
                    return out;
                });
    }

    /**
     * One XAUTOCLAIM page; its cursor is followed across polls until it wraps to 0-0. JUSTID first,
     * then XCLAIM of those ids: the second step counts the delivery and returns the entries, and an id
     * it does not return was deleted from the stream. This works alike on 6.2, whose XAUTOCLAIM
     * replies a deleted entry as a bare nil (its id lost), and on 7.
     */
    private Uni<List<Delivery>> reclaim(int free) {
        return send(Request.cmd(Command.XAUTOCLAIM).arg(o.stream()).arg(o.group()).arg(o.consumer())
                .arg(o.minIdle().toMillis()).arg(reclaimCursor).arg("COUNT").arg(free).arg("JUSTID"))
                .onItem().transformToUni(reply -> {
                    Replies.AutoClaim page = Replies.autoClaimIds(reply);
                    reclaimCursor = page.cursor();
                    if ("0-0".equals(page.cursor())) {
                        nextReclaimNanos = System.nanoTime() + o.reclaimInterval().toNanos();
                    }
                    // our own entries in flight are ours already; only a late claim refresh lets them look idle
                    List<String> ids = page.ids().stream().filter(id -> !held.contains(id)).toList();
                    Uni<Void> cleanup = cleanDeleted(page.deletedIds());
                    if (ids.isEmpty()) {
                        return cleanup.replaceWith(List.<Delivery>of());
                    }
                    Request claim = Request.cmd(Command.XCLAIM).arg(o.stream()).arg(o.group()).arg(o.consumer()).arg(0);
                    ids.forEach(claim::arg);
                    return cleanup.chain(() -> send(claim)).onItem().transformToUni(claimed -> {
                        Replies.Read read = Replies.entries(claimed);
                        Set<String> gone = new HashSet<>(ids);
                        read.entries().forEach(e -> gone.remove(e.id()));
                        if (!read.entries().isEmpty()) {
                            metrics.reclaimed(read.entries().size());
                            LOG.infof("stream %s: consumer %s claimed %d idle entries", o.stream(), o.consumer(),
                                    read.entries().size());
                        }
                        return cleanDeleted(List.copyOf(gone)).chain(() -> admit(read.entries()));
                    });
                });
    }

    /**
     * Acknowledges pending ids whose stream entry no longer exists (nothing left to deliver), or that
     * another consumer acknowledged meanwhile (a no-op then). Never XDEL: there is nothing to delete.
     */
    private Uni<Void> cleanDeleted(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Request ack = Request.cmd(Command.XACK).arg(o.stream()).arg(o.group());
        Request forget = Request.cmd(Command.HDEL).arg(o.errorsKey());
        ids.forEach(id -> {
            ack.arg(id);
            forget.arg(id);
        });
        return redis.batch(List.of(ack, forget)).invoke(r -> {
            long acked = r.get(0).toLong();
            if (acked > 0) {
                metrics.deletedCleaned((int) acked);
                LOG.infof("stream %s: acknowledged %d pending entries deleted from the stream", o.stream(), acked);
            }
        }).replaceWithVoid();
    }

    /**
     * Looks up each entry's delivery count (one pipelined XPENDING per entry), dead-letters those
     * over the limit, and holds the rest. Dead letters go first: if one fails, nothing is held, so no
     * slot leaks; the entries stay pending here and are reclaimed later.
     */
    private Uni<List<Delivery>> admit(List<StreamEntry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Request> counts = entries.stream()
                .map(e -> Request.cmd(Command.XPENDING).arg(o.stream()).arg(o.group()).arg(e.id()).arg(e.id()).arg(1))
                .toList();
        return redis.batch(counts).onItem().transformToUni(replies -> {
            List<StreamEntry> deliver = new ArrayList<>();
            List<StreamEntry> dead = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                StreamEntry e = entries.get(i);
                OptionalLong n = Replies.deliveryCount(replies.get(i));
                if (n.isEmpty()) {
                    continue; // acknowledged meanwhile by the consumer it was taken from: done already
                }
                StreamEntry counted = new StreamEntry(e.id(), e.fields(), n.getAsLong());
                (counted.deliveries() > o.maxDeliveries() ? dead : deliver).add(counted);
            }
            Uni<Void> deadLettered = Uni.createFrom().voidItem();
            for (StreamEntry d : dead) {
                deadLettered = deadLettered.chain(() -> deadLetter(d));
            }
            return deadLettered.map(v -> deliver.stream().map(this::hold).toList());
        });
    }

    private Uni<Void> deadLetter(StreamEntry e) {
        return send(Request.cmd(Command.HGET).arg(o.errorsKey()).arg(e.id())).chain(err -> {
            String error = err == null ? "unknown: no handler failure recorded (its consumer stopped or crashed)" : err.toString();
            Request add = Request.cmd(Command.XADD).arg(o.deadLetterStream()).arg("*");
            // the original fields travel unchanged; an earlier dead letter's own fields move one prefix down (dead.dead.id)
            e.fields().forEach((k, v) -> add.arg(k.startsWith(DEAD_PREFIX) ? DEAD_PREFIX + k : k).arg(v));
            add.arg(DEAD_PREFIX + "stream").arg(o.stream())
                    .arg(DEAD_PREFIX + "id").arg(e.id())
                    .arg(DEAD_PREFIX + "group").arg(o.group())
                    .arg(DEAD_PREFIX + "consumer").arg(o.consumer())
                    .arg(DEAD_PREFIX + "deliveries").arg(e.deliveries())
                    .arg(DEAD_PREFIX + "error").arg(error);
            // written before the ack: a crash in between yields a second dead letter, never none
            return send(add).chain(() -> settle(e, true)).invoke(() -> {
                metrics.deadLettered();
                LOG.warnf("stream %s: entry %s dead-lettered to %s after %d deliveries; last error: %s", o.stream(),
                        e.id(), o.deadLetterStream(), e.deliveries(), error);
            });
        });
    }

    /** XACK (plus XDEL when configured, and forgetting a recorded error) in one round trip. */
    private Uni<Void> settle(StreamEntry e, boolean hadErrors) {
        List<Request> batch = new ArrayList<>(3);
        batch.add(Request.cmd(Command.XACK).arg(o.stream()).arg(o.group()).arg(e.id()));
        if (o.deleteOnAck()) {
            // one group per stream: once acknowledged an entry is done, and XLEN stays the backlog
            batch.add(Request.cmd(Command.XDEL).arg(o.stream()).arg(e.id()));
        }
        if (hadErrors) {
            batch.add(Request.cmd(Command.HDEL).arg(o.errorsKey()).arg(e.id()));
        }
        return redis.batch(batch).replaceWithVoid();
    }

    private Delivery hold(StreamEntry e) {
        inFlight.incrementAndGet();
        held.add(e.id());
        metrics.delivered(e.deliveries() > 1);
        long start = System.nanoTime();
        AtomicBoolean settled = new AtomicBoolean();
        return new Delivery() {
            @Override
            public StreamEntry entry() {
                return e;
            }

            @Override
            public Uni<Void> ack() {
                return Uni.createFrom().deferred(() -> {
                    if (!settled.compareAndSet(false, true)) {
                        return Uni.createFrom().voidItem();
                    }
                    // an entry delivered before may carry an error recorded by an earlier attempt
                    return settle(e, e.deliveries() > 1)
                            .invoke(() -> metrics.acked(System.nanoTime() - start))
                            // an acknowledgement Redis did not take must not fail the channel (the
                            // messaging stream would end and the worker go deaf): the entry stays
                            // pending, is reclaimed after min-idle-time and handled again, idempotently
                            .onFailure().invoke(x -> LOG.warnf("stream %s: could not acknowledge %s, it stays pending: %s",
                                    o.stream(), e.id(), x.getMessage()))
                            .onFailure().recoverWithNull()
                            .onTermination().invoke(() -> release(e.id()));
                });
            }

            @Override
            public Uni<Void> nack(Throwable reason) {
                return Uni.createFrom().deferred(() -> {
                    if (!settled.compareAndSet(false, true)) {
                        return Uni.createFrom().voidItem();
                    }
                    // stays pending: reclaimed after min-idle-time, its delivery count rising towards the dead-letter limit
                    String error = truncate(String.valueOf(reason));
                    return send(Request.cmd(Command.HSET).arg(o.errorsKey()).arg(e.id()).arg(error))
                            .replaceWithVoid()
                            .onFailure().invoke(x -> LOG.warnf("stream %s: could not record the error of %s: %s",
                                    o.stream(), e.id(), x.getMessage()))
                            .onFailure().recoverWithNull()
                            .onTermination().invoke(() -> {
                                metrics.nacked(System.nanoTime() - start);
                                release(e.id());
                            });
                });
            }
        };
    }

    static String truncate(String s) {
        return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS - 3) + "...";
    }

    private void release(String id) {
        if (held.remove(id)) {
            inFlight.decrementAndGet();
            slotFreed.complete(null);
        }
    }

    /** Resets the idle time of every entry in flight here, without counting a delivery. */
    private void refreshClaims() {
        if (held.isEmpty()) {
            return;
        }
        Request claim = Request.cmd(Command.XCLAIM).arg(o.stream()).arg(o.group()).arg(o.consumer()).arg(0);
        held.forEach(claim::arg);
        claim.arg("JUSTID");
        send(claim).subscribe().with(r -> { }, e -> LOG.warnf("stream %s: claim refresh failed: %s", o.stream(), e.getMessage()));
    }

    private void refreshDepth() {
        redis.batch(List.of(
                        Request.cmd(Command.XLEN).arg(o.stream()),
                        Request.cmd(Command.XPENDING).arg(o.stream()).arg(o.group()),
                        Request.cmd(Command.XINFO).arg("GROUPS").arg(o.stream())))
                .subscribe().with(
                        r -> metrics.depth(r.get(0).toLong(), Replies.pendingCount(r.get(1)), Replies.lag(r.get(2), o.group())),
                        e -> LOG.debugf("stream %s: depth not refreshed: %s", o.stream(), e.getMessage()));
    }

    private Uni<Response> send(Request r) {
        return redis.send(r);
    }
}
