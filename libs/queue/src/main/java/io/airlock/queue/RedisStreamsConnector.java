package io.airlock.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.providers.helpers.MultiUtils;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SmallRye Reactive Messaging connector for Redis Streams ({@code connector=redis-streams}).
 * Incoming channels read through a consumer group ({@link StreamConsumer}); a message is
 * acknowledged (XACK) only when the application acknowledges it, which for an {@code @Incoming}
 * method means after it returned. Outgoing channels XADD and complete the send only once Redis has
 * stored the entry. Payloads travel as JSON in the field {@code payload}.
 */
@ApplicationScoped
@Connector(RedisStreamsConnector.NAME)
public class RedisStreamsConnector implements InboundConnector, OutboundConnector {
    public static final String NAME = "redis-streams";
    private static final Logger LOG = Logger.getLogger(RedisStreamsConnector.class);

    @Inject
    Vertx vertx;
    @Inject
    ObjectMapper json;
    @Inject
    Instance<MeterRegistry> meters;
    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;
    @ConfigProperty(name = "airlock.instance")
    Optional<String> instance;
    @ConfigProperty(name = "airlock.queue.pool-size", defaultValue = "12")
    int poolSize;

    private Redis redis;
    private final List<StreamConsumer> consumers = new CopyOnWriteArrayList<>();

    /**
     * The connector's own client: RESP2 (so replies have one shape) and its own pool (so blocking
     * reads never starve the application's Redis calls).
     */
    private synchronized Redis redis() {
        if (redis == null) {
            String first = hosts.split(",")[0].strip();
            redis = Redis.createClient(vertx, new RedisOptions()
                    .setConnectionString(first)
                    .setPreferredProtocolVersion(ProtocolVersion.RESP2)
                    .setMaxPoolSize(poolSize)
                    .setMaxPoolWaiting(poolSize * 8));
        }
        return redis;
    }

    /** A stable name: the configured instance, else the pod's HOSTNAME, else this machine's name. */
    String defaultConsumerName() {
        if (instance.isPresent() && !instance.get().isBlank()) {
            return instance.get();
        }
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "consumer-" + ProcessHandle.current().pid();
        }
    }

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config config) {
        String channel = config.getValue("channel-name", String.class);
        ConsumerOptions options = ConsumerOptions.fromConfig(config, defaultConsumerName());
        StreamConsumer consumer = new StreamConsumer(redis(), vertx, options, metrics(channel, options));
        consumers.add(consumer);
        LOG.infof("channel %s: consuming %s as %s/%s (max in flight %d, min idle %s, max deliveries %d)", channel,
                options.stream(), options.group(), options.consumer(), options.maxInFlight(), options.minIdle(),
                options.maxDeliveries());
        // start() completes with no item (Void): transformToMulti still runs, unlike Multi.createFrom().uni(...)
        return consumer.start()
                .onItem().transformToMulti(v -> consumer.deliveries())
                .map(d -> toMessage(d, options));
    }

    private Message<String> toMessage(Delivery d, ConsumerOptions o) {
        StreamEntry e = d.entry();
        java.util.Map<String, String> headers = new java.util.HashMap<>(e.fields());
        headers.remove("payload");
        headers.remove("type");
        var meta = new IncomingStreamMetadata(o.stream(), o.group(), o.consumer(), e.id(), e.deliveries(),
                e.fields().getOrDefault("type", ""), headers);
        return Message.of(e.fields().getOrDefault("payload", ""), Metadata.of(meta),
                () -> d.ack().subscribeAsCompletionStage(),
                reason -> d.nack(reason).subscribeAsCompletionStage());
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        String stream = config.getValue("stream", String.class);
        Optional<Long> maxLen = config.getOptionalValue("max-length", Long.class);
        return MultiUtils.via(multi -> multi.onItem().transformToUniAndConcatenate(m -> xadd(stream, maxLen, m)
                .onItem().transformToUni(id -> Uni.createFrom().completionStage(m.ack()))
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("XADD to %s failed: %s", stream, e.getMessage());
                    return Uni.createFrom().completionStage(m.nack(e));
                })));
    }

    private Uni<String> xadd(String stream, Optional<Long> maxLen, Message<?> m) {
        Request r = Request.cmd(Command.XADD).arg(stream);
        // only an explicit max-length trims: trimming could otherwise drop work nobody has read yet
        maxLen.ifPresent(n -> r.arg("MAXLEN").arg("~").arg(n));
        r.arg("*");
        Object payload = m.getPayload();
        String body;
        try {
            body = payload instanceof String s ? s : json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        r.arg("payload").arg(body).arg("type").arg(payload == null ? "" : payload.getClass().getSimpleName());
        m.getMetadata(OutgoingStreamMetadata.class)
                .ifPresent(h -> h.headers().forEach((k, v) -> r.arg(k).arg(v)));
        return redis().send(r).map(Object::toString);
    }

    private QueueMetrics metrics(String channel, ConsumerOptions o) {
        if (!meters.isResolvable()) {
            return QueueMetrics.NONE;
        }
        MeterRegistry reg = meters.get();
        Tags tags = Tags.of("channel", channel, "stream", o.stream(), "group", o.group());
        AtomicLong length = new AtomicLong();
        AtomicLong pending = new AtomicLong();
        reg.gauge("airlock_queue_stream_length", tags, length);
        reg.gauge("airlock_queue_pending", tags, pending);
        var delivered = reg.counter("airlock_queue_delivered", tags.and("redelivery", "false"));
        var redelivered = reg.counter("airlock_queue_delivered", tags.and("redelivery", "true"));
        var acked = reg.counter("airlock_queue_acked", tags);
        var nacked = reg.counter("airlock_queue_nacked", tags);
        var reclaimed = reg.counter("airlock_queue_reclaimed", tags);
        var dead = reg.counter("airlock_queue_dead_lettered", tags);
        Timer handling = Timer.builder("airlock_queue_handling").tags(tags).publishPercentileHistogram().register(reg);
        return new QueueMetrics() {
            @Override
            public void delivered(boolean redelivery) {
                (redelivery ? redelivered : delivered).increment();
            }

            @Override
            public void acked(long nanos) {
                acked.increment();
                handling.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void nacked(long nanos) {
                nacked.increment();
                handling.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void reclaimed(int count) {
                reclaimed.increment(count);
            }

            @Override
            public void deadLettered() {
                dead.increment();
            }

            @Override
            public void depth(long len, long pend) {
                length.set(len);
                pending.set(pend);
            }
        };
    }

    /** Stop reading before the application's beans go away; in-flight work gets its grace period. */
    void onShutdown(@Observes ShutdownEvent ev) {
        for (StreamConsumer c : consumers) {
            c.stop(c.options().shutdownGrace());
        }
    }

    @PreDestroy
    void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
