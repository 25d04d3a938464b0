package io.airlock.queue;

import java.util.Map;

/**
 * Where an incoming message came from, how many times it has been delivered, and the entry's
 * other fields ({@code headers}: everything but {@code payload} and {@code type}).
 */
public record IncomingStreamMetadata(String stream, String group, String consumer, String id, long deliveries,
                                     String type, Map<String, String> headers) {
    public IncomingStreamMetadata {
        headers = Map.copyOf(headers);
    }
}
