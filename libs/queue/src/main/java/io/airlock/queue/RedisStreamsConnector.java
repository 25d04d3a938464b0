package io.airlock.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.providers.helpers.MultiUtils;
import io.vertx.mutiny.core.Vertx;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Flow;

/**
 * SmallRye Reactive Messaging connector for Redis Streams ({@code connector=redis-streams}).
 * Incoming channels read through a consumer group ({@link StreamConsumer}); a message is
 * acknowledged (XACK) only when the application acknowledges it, which for an {@code @Incoming}
 * method means after it returned, and a failure leaves it pending. Outgoing channels XADD
 * ({@link StreamProducer}) and complete the send only once Redis has stored the entry. Payloads
 * travel as JSON in the field {@code payload}; {@link JsonPayloadConverter} turns them into the
 * handler's parameter type.
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
    @Inject
    QueueRedis redis;
    @Inject
    QueueConsumers consumers;
    @ConfigProperty(name = "airlock.instance")
    Optional<String> instance;

    /** A stable name: the configured instance, else the pod's HOSTNAME, else this machine's name. */
    String defaultConsumerName() {
        if (instance.isPresent() && !instance.get().isBlank()) {
            return instance.get().strip();
        }
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            // unstable across restarts: pending entries then wait for min-idle-time and a reclaim
            return "consumer-" + ProcessHandle.current().pid();
        }
    }

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config config) {
        String channel = config.getValue("channel-name", String.class);
        ConsumerOptions options = ConsumerOptions.fromConfig(config, defaultConsumerName());
        StreamConsumer[] self = new StreamConsumer[1];
        QueueMetrics metrics = meters.isResolvable()
                ? new MicrometerQueueMetrics(meters.get(), channel, options, () -> self[0].inFlight())
                : QueueMetrics.NONE;
        StreamConsumer consumer = new StreamConsumer(redis.client(), vertx, options, metrics);
        self[0] = consumer;
        consumers.register(channel, consumer);
        LOG.infof("channel %s: consuming %s as %s/%s (max in flight %d, min idle %s, max deliveries %d)", channel,
                options.stream(), options.group(), options.consumer(), options.maxInFlight(), options.minIdle(),
                options.maxDeliveries());
        // Redis may be unreachable at boot: keep trying rather than leave the channel dead
        return consumer.start()
                .onFailure().invoke(e -> LOG.warnf("channel %s: cannot create group %s on %s yet: %s", channel,
                        options.group(), options.stream(), e.getMessage()))
                .onFailure(e -> !consumer.isStopped()).retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10))
                .indefinitely()
                // start() completes with a null item (Void): transformToMulti still runs, unlike Multi.createFrom().uni(...)
                .onItem().transformToMulti(v -> consumer.deliveries())
                .map(d -> toMessage(d, options));
    }

    private static Message<String> toMessage(Delivery d, ConsumerOptions o) {
        StreamEntry e = d.entry();
        Map<String, String> headers = new HashMap<>(e.fields());
        headers.keySet().removeAll(StreamProducer.RESERVED);
        var meta = new IncomingStreamMetadata(o.stream(), o.group(), o.consumer(), e.id(), e.deliveries(),
                e.fields().getOrDefault("type", ""), headers);
        return Message.of(e.fields().getOrDefault("payload", ""), Metadata.of(meta),
                () -> d.ack().subscribeAsCompletionStage(),
                reason -> d.nack(reason).subscribeAsCompletionStage());
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        String channel = config.getValue("channel-name", String.class);
        Optional<Long> maxLen = config.getOptionalValue("max-length", Long.class);
        StreamProducer producer = new StreamProducer(redis.client(), json, config.getValue("stream", String.class),
                maxLen.map(OptionalLong::of).orElse(OptionalLong.empty()));
        Runnable sent = counter("airlock_queue_sent", channel, producer.stream());
        Runnable failed = counter("airlock_queue_send_failed", channel, producer.stream());
        // one XADD at a time per channel, in the order sent; each send completes once Redis stored it
        return MultiUtils.via(multi -> multi.onItem().transformToUniAndConcatenate(m -> producer
                .send(m.getPayload(), m.getMetadata(OutgoingStreamMetadata.class).map(OutgoingStreamMetadata::headers).orElse(Map.of()))
                .onItem().transformToUni(id -> {
                    sent.run();
                    return Uni.createFrom().completionStage(m.ack());
                })
                .onFailure().recoverWithUni(e -> {
                    failed.run();
                    LOG.warnf("channel %s: XADD to %s failed: %s", channel, producer.stream(), e.getMessage());
                    return Uni.createFrom().completionStage(m.nack(e));
                })));
    }

    private Runnable counter(String name, String channel, String stream) {
        if (!meters.isResolvable()) {
            return () -> { };
        }
        Counter c = meters.get().counter(name, Tags.of("channel", channel, "stream", stream));
        return c::increment;
    }

    /**
     * Stops every channel's reading before the application's beans go away, then gives in-flight
     * work each channel's shutdown-grace (all channels wait at once, not one after another).
     */
    void onShutdown(@Observes ShutdownEvent ev) {
        Map<String, StreamConsumer> all = consumers.byChannel();
        all.values().forEach(StreamConsumer::stopReading);
        long start = System.nanoTime();
        for (StreamConsumer c : all.values()) {
            c.awaitIdle(c.options().shutdownGrace().minusNanos(System.nanoTime() - start));
        }
    }
}
