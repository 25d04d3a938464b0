package io.airlock.queue;

/** Where an incoming message came from, and how many times it has been delivered. */
public record IncomingStreamMetadata(String stream, String group, String consumer, String id, long deliveries,
                                     String type) {
}
