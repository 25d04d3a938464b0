package io.airlock.queue;

import org.eclipse.microprofile.config.Config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of one incoming channel. Attribute names are those of
 * {@code mp.messaging.incoming.<channel>.<attribute>}; see libs/queue/README.md. Invalid
 * combinations fail at start, not at the first message.
 */
public record ConsumerOptions(String stream, String group, String consumer, String startId, int batchSize,
                              Duration block, int maxInFlight, Duration minIdle, Duration reclaimInterval,
                              Duration claimRefresh, int maxDeliveries, String deadLetterStream, boolean deleteOnAck,
                              Duration shutdownGrace) {

    public ConsumerOptions {
        require(stream != null && !stream.isBlank(), "stream is required");
        require(group != null && !group.isBlank(), "group is required");
        require(consumer != null && !consumer.isBlank(), "consumer name is required");
        require(batchSize >= 1, "batch-size must be >= 1");
        require(maxInFlight >= 1, "max-in-flight must be >= 1");
        require(maxDeliveries >= 1, "max-deliveries must be >= 1");
        require(startId != null && START_ID.matcher(startId).matches(), "start-id must be 0, $ or a stream id");
        require(deadLetterStream != null && !deadLetterStream.isBlank() && !deadLetterStream.equals(stream),
                "dead-letter-stream must be set and differ from stream");
        require(positive(block) && positive(minIdle) && positive(reclaimInterval) && positive(claimRefresh),
                "block-ms, min-idle-time, reclaim-interval and claim-refresh-interval must be > 0");
        // a claim refreshed less often than it goes idle would be taken from a live worker
        require(claimRefresh.compareTo(minIdle) < 0, "claim-refresh-interval must be shorter than min-idle-time");
        require(shutdownGrace != null && !shutdownGrace.isNegative(), "shutdown-grace must be >= 0");
    }

    /**
     * The hash holding each failing entry's last error, so that whichever consumer dead-letters it
     * (often not the one that saw it fail) can say why. Entries leave it on ack or dead-letter.
     */
    public String errorsKey() {
        return stream + ":errors:" + group;
    }

    private static final Pattern START_ID = Pattern.compile("0|\\$|[0-9]{1,20}(-[0-9]{1,20})?");

    /** Defaults suited to production; tests shorten the timings. */
    public static ConsumerOptions of(String stream, String group, String consumer) {
        Duration minIdle = Duration.ofSeconds(60);
        return new ConsumerOptions(stream, group, consumer, "0", 16, Duration.ofSeconds(1), 8, minIdle,
                Duration.ofSeconds(5), minIdle.dividedBy(3), 5, "airlock:dead", true, Duration.ofSeconds(20));
    }

    static ConsumerOptions fromConfig(Config c, String defaultConsumer) {
        String stream = c.getValue("stream", String.class);
        String group = c.getOptionalValue("group", String.class)
                .orElseGet(() -> c.getValue("channel-name", String.class));
        Duration minIdle = duration(c, "min-idle-time").orElse(Duration.ofSeconds(60));
        return new ConsumerOptions(
                stream,
                group,
                c.getOptionalValue("consumer", String.class).orElse(defaultConsumer),
                c.getOptionalValue("start-id", String.class).orElse("0"),
                c.getOptionalValue("batch-size", Integer.class).orElse(16),
                duration(c, "block-ms").orElse(Duration.ofSeconds(1)),
                c.getOptionalValue("max-in-flight", Integer.class).orElse(8),
                minIdle,
                duration(c, "reclaim-interval").orElse(Duration.ofSeconds(5)),
                duration(c, "claim-refresh-interval").orElse(minIdle.dividedBy(3)),
                c.getOptionalValue("max-deliveries", Integer.class).orElse(5),
                c.getOptionalValue("dead-letter-stream", String.class).orElse("airlock:dead"),
                c.getOptionalValue("delete-on-ack", Boolean.class).orElse(true),
                duration(c, "shutdown-grace").orElse(Duration.ofSeconds(20)));
    }

    private static Optional<Duration> duration(Config c, String key) {
        return c.getOptionalValue(key, String.class).map(Durations::parse);
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
