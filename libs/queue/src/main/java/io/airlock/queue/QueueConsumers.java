package io.airlock.queue;

import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** The incoming channels' consumers of this application, by channel name (for readiness and shutdown). */
@Singleton
public class QueueConsumers {
    private final Map<String, StreamConsumer> byChannel = new ConcurrentSkipListMap<>();

    void register(String channel, StreamConsumer consumer) {
        byChannel.put(channel, consumer);
    }

    /** A snapshot, sorted by channel name. */
    public Map<String, StreamConsumer> byChannel() {
        return Map.copyOf(byChannel);
    }
}
