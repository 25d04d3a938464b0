package io.airlock.queue;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.Map;
import java.util.TreeMap;

/**
 * Readiness check {@code redis-streams}: up when the connector's Redis client answers PING and every
 * incoming channel has its group and is reading without errors. Data: one entry per channel
 * ({@code reading}, {@code starting}, {@code stopped} or {@code failing: <error>}).
 */
@Readiness
@ApplicationScoped
public class QueueReadinessCheck implements AsyncHealthCheck {
    public static final String NAME = "redis-streams";

    @Inject
    QueueRedis redis;
    @Inject
    QueueConsumers consumers;
    @Inject
    QueueConfig config;

    @Override
    public Uni<HealthCheckResponse> call() {
        return redis.client().send(Request.cmd(Command.PING))
                .ifNoItem().after(config.healthTimeout()).fail()
                .map(pong -> "PONG".equals(String.valueOf(pong)))
                .onFailure().recoverWithItem(false)
                .map(this::response);
    }

    private HealthCheckResponse response(boolean pong) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME).withData("ping", pong ? "PONG" : "no answer");
        boolean up = pong;
        Map<String, String> states = new TreeMap<>();
        for (Map.Entry<String, StreamConsumer> c : consumers.byChannel().entrySet()) {
            StreamConsumer.State s = c.getValue().state();
            String state = s.stopped() ? "stopped" : !s.started() ? "starting"
                    : !s.lastFailure().isEmpty() ? "failing: " + s.lastFailure() : "reading";
            up &= state.equals("reading");
            states.put(c.getKey(), state);
        }
        states.forEach(b::withData);
        return b.status(up).build();
    }
}
