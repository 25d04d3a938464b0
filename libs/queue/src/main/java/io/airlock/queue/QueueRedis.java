package io.airlock.queue;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The connector's own Redis client, on the first of {@code quarkus.redis.hosts}. It speaks RESP2,
 * so replies have the one shape {@link Replies} reads whatever the application's client negotiates,
 * and has its own pool, so blocked XREADGROUP calls never starve the application's Redis calls.
 */
@Singleton
public class QueueRedis {
    @Inject
    Vertx vertx;
    @Inject
    QueueConfig config;
    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    private Redis client;

    public synchronized Redis client() {
        if (client == null) {
            String first = hosts.split(",")[0].strip();
            client = Redis.createClient(vertx, new RedisOptions()
                    .setConnectionString(first)
                    .setPreferredProtocolVersion(ProtocolVersion.RESP2)
                    .setMaxPoolSize(config.poolSize())
                    .setMaxPoolWaiting(config.poolSize() * 8));
        }
        return client;
    }

    @PreDestroy
    synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
