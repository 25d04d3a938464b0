package io.airlock.queue;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Queue depth for readiness checks and back-pressure (e.g. the gateway refusing uploads while the
 * scan queue is full). Each call is one Redis command; a stream or group that does not exist yet
 * counts as empty.
 */
@Singleton
public class QueueStats {
    private final Supplier<Redis> redis;

    @Inject
    QueueStats(QueueRedis redis) {
        this.redis = redis::client;
    }

    private QueueStats(Supplier<Redis> redis) {
        this.redis = redis;
    }

    /** Outside CDI, on a RESP2 client. */
    public static QueueStats using(Redis redis) {
        return new QueueStats(() -> redis);
    }

    /** XLEN: entries in the stream (with delete-on-ack, the backlog: not yet acknowledged). */
    public Uni<Long> length(String stream) {
        return redis.get().send(Request.cmd(Command.XLEN).arg(stream)).map(r -> r.toLong());
    }

    /** Entries delivered to the group's consumers and not yet acknowledged. */
    public Uni<Long> pending(String stream, String group) {
        return redis.get().send(Request.cmd(Command.XPENDING).arg(stream).arg(group))
                .map(Replies::pendingCount)
                .onFailure(QueueStats::noSuchGroup).recoverWithItem(0L);
    }

    /**
     * Entries not yet delivered to the group. Empty where Redis does not say: 6.2 never does, 7 not
     * after deletions it cannot count across.
     */
    public Uni<OptionalLong> lag(String stream, String group) {
        return redis.get().send(Request.cmd(Command.XINFO).arg("GROUPS").arg(stream))
                .map(r -> Replies.lag(r, group))
                .onFailure(QueueStats::noSuchGroup).recoverWithItem(OptionalLong.empty());
    }

    private static boolean noSuchGroup(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("NOGROUP") || m.contains("no such key");
    }
}
