package io.airlock.queue;

import java.util.Map;

/** Extra string fields to write beside the payload of an outgoing message. */
public record OutgoingStreamMetadata(Map<String, String> headers) {
    public OutgoingStreamMetadata {
        headers = Map.copyOf(headers);
    }
}
