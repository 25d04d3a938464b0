package io.airlock.queue;

import io.airlock.testing.TestInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.UUID;

/** Real Redis (db 1) and stream names of their own for each run, so parallel builds never share a stream. */
public class QueueTestResource implements QuarkusTestResourceLifecycleManager {
    private final String base = "test:qt:" + UUID.randomUUID();

    @Override
    public Map<String, String> start() {
        return Map.of(
                "quarkus.redis.hosts", TestInfra.redisUrl(),
                "mp.messaging.outgoing.work-out.stream", base + ":work",
                "mp.messaging.incoming.work-in.stream", base + ":work",
                "mp.messaging.incoming.work-in.dead-letter-stream", base + ":work:dead",
                "mp.messaging.outgoing.meta-out.stream", base + ":meta",
                "mp.messaging.incoming.meta-in.stream", base + ":meta",
                "mp.messaging.incoming.meta-in.dead-letter-stream", base + ":meta:dead");
    }

    @Override
    public void stop() {
        RedisServers.deleteKeys(RedisServers.V7, base);
    }
}
