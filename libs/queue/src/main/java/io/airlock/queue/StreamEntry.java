package io.airlock.queue;

import java.util.Map;

/** One stream entry as delivered to this consumer, with how many times it has been delivered. */
public record StreamEntry(String id, Map<String, String> fields, long deliveries) {
    public StreamEntry {
        fields = Map.copyOf(fields);
    }
}
