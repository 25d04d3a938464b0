package io.airlock.gateway.submission;

import io.airlock.contracts.Streams;
import io.airlock.contracts.WorkItem;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The scan stream as the gateway sees it: where accepted work goes, and how much is waiting. */
@ApplicationScoped
public class ScanQueue {
    static final String SCANNER_GROUP = "scanner";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Inject
    @Channel("scan-requests")
    Emitter<WorkItem> emitter;
    @Inject
    Redis redis;

    /** Returns once Redis has stored the message (XADD acknowledged), so a 202 means durably queued. */
    public void enqueue(WorkItem item) throws EnqueueException {
        try {
            emitter.send(item).toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EnqueueException(e.getCause());
        } catch (TimeoutException e) {
            throw new EnqueueException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnqueueException(e);
        }
    }

    /**
     * Scan work not finished yet: delivered but unacknowledged (pending) plus not yet delivered.
     * Counts at most {@code bound + 1} undelivered entries, so the cost stays bounded.
     */
    public long backlog(long bound) {
        Response groups;
        try {
            groups = redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(Streams.SCAN)).await().atMost(TIMEOUT);
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("no such key")) {
                return 0; // stream not created yet: nothing waiting
            }
            throw e;
        }
        for (Response group : groups) {
            if (!SCANNER_GROUP.equals(field(group, "name"))) {
                continue;
            }
            long pending = Long.parseLong(field(group, "pending"));
            String lag = field(group, "lag");
            if (lag != null) {
                return pending + Long.parseLong(lag); // Redis 7 knows the lag
            }
            // Redis 6.2: count what lies after the last delivered id, up to the bound
            Response after = redis.send(Request.cmd(Command.XRANGE).arg(Streams.SCAN)
                    .arg("(" + field(group, "last-delivered-id")).arg("+").arg("COUNT").arg(bound + 1))
                    .await().atMost(TIMEOUT);
            return pending + after.size();
        }
        // no scanner has ever joined: everything in the stream is waiting
        Response len = redis.send(Request.cmd(Command.XLEN).arg(Streams.SCAN)).await().atMost(TIMEOUT);
        return len.toLong();
    }

    /** Reads a field of an XINFO reply: a map in RESP3, a flat [key, value, ...] array in RESP2. */
    private static String field(Response flat, String key) {
        if (flat.getKeys() != null && !flat.getKeys().isEmpty()) {
            Response v = flat.get(key);
            return v == null ? null : v.toString();
        }
        if (flat.type() == ResponseType.MULTI) {
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                if (key.equals(flat.get(i).toString())) {
                    Response v = flat.get(i + 1);
                    return v == null ? null : v.toString();
                }
            }
        }
        return null;
    }

    /** The message could not be put on the stream. */
    public static final class EnqueueException extends Exception {
        EnqueueException(Throwable cause) {
            super(String.valueOf(cause.getMessage()), cause);
        }
    }
}
