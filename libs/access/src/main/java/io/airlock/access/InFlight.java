package io.airlock.access;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;

/**
 * Submissions in flight per user, counted in Redis so that every gateway replica counts against the
 * same number. The gateway reserves a slot per submission; whichever service records the submission's
 * final status releases it (the registry, for every final status, the sweeper's included; the gateway
 * itself when it answers an error before anything was recorded).
 *
 * <p>A user's slots are a sorted set of submission ids scored by the time they were taken, so a
 * release is idempotent (a repeated or late one removes nothing) and a slot whose release was lost
 * (Redis down at that moment) stops counting after {@code maxAge}. Each id's owner is kept beside it
 * ({@code airlock:quota:inflight-owner:<id>}, expiring with it), so a release needs only the id.
 */
@ApplicationScoped
public class InFlight {
    static final String SLOTS = "airlock:quota:inflight:";
    static final String OWNER = "airlock:quota:inflight-owner:";
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    // one script, so that two replicas cannot both see a free slot and both take it
    private static final String RESERVE = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
            local n = redis.call('ZCARD', KEYS[1])
            if n >= tonumber(ARGV[4]) then return n end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('EXPIRE', KEYS[1], ARGV[3])
            redis.call('SET', KEYS[2], ARGV[5], 'EX', ARGV[3])
            return -1
            """;
    private static final String RELEASE = """
            local user = redis.call('GET', KEYS[1])
            if not user then return 0 end
            redis.call('DEL', KEYS[1])
            return redis.call('ZREM', ARGV[2] .. user, ARGV[1])
            """;

    @Inject
    ReactiveRedisDataSource redis;

    /**
     * Takes a slot for {@code submissionId} unless {@code user} already holds {@code limit}; answers
     * -1 when taken, else the number held. Fails when Redis does not answer (callers refuse: fail-closed).
     */
    public Uni<Long> reserve(String user, String submissionId, long limit, Duration maxAge) {
        long now = Instant.now().getEpochSecond();
        return redis.execute("EVAL", RESERVE, "2", SLOTS + user, OWNER + submissionId, submissionId,
                        Long.toString(now), Long.toString(Math.max(1, maxAge.toSeconds())), Long.toString(limit), user)
                .ifNoItem().after(DEADLINE).fail()
                .map(r -> r.toLong());
    }

    /** Frees the slot of {@code submissionId}, if one is held; true when one was. Idempotent. */
    public Uni<Boolean> release(String submissionId) {
        return redis.execute("EVAL", RELEASE, "1", OWNER + submissionId, submissionId, SLOTS)
                .ifNoItem().after(DEADLINE).fail()
                .map(r -> r.toLong() > 0);
    }
}
