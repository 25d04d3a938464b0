package io.airlock.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Appends messages to one stream: the engine of the connector's outgoing side. The entry holds the
 * payload as JSON in {@code payload} (a String payload is written as is), the payload's simple class
 * name in {@code type}, and the headers as further fields. The returned Uni completes with the
 * entry id only once Redis has stored it.
 */
public final class StreamProducer {
    /** Field names the producer writes itself; a header may not reuse them. */
    public static final Set<String> RESERVED = Set.of("payload", "type");

    private final Redis redis;
    private final ObjectMapper json;
    private final String stream;
    private final OptionalLong maxLength;

    /**
     * @param maxLength when present, XADD trims with {@code MAXLEN ~ n}; absent by default because
     *                  trimming drops entries nobody has read yet
     */
    public StreamProducer(Redis redis, ObjectMapper json, String stream, OptionalLong maxLength) {
        if (stream == null || stream.isBlank()) {
            throw new IllegalArgumentException("stream is required");
        }
        if (maxLength.isPresent() && maxLength.getAsLong() < 1) {
            throw new IllegalArgumentException("max-length must be >= 1");
        }
        this.redis = redis;
        this.json = json;
        this.stream = stream;
        this.maxLength = maxLength;
    }

    public String stream() {
        return stream;
    }

    /** XADD; fails (without writing anything) on a payload Jackson cannot write or a reserved header name. */
    public Uni<String> send(Object payload, Map<String, String> headers) {
        return Uni.createFrom().deferred(() -> {
            if (payload == null) {
                return Uni.createFrom().failure(new IllegalArgumentException("a stream message needs a payload"));
            }
            for (String h : headers.keySet()) {
                if (RESERVED.contains(h)) {
                    return Uni.createFrom().failure(new IllegalArgumentException("header '" + h + "' is reserved"));
                }
            }
            String body;
            try {
                body = payload instanceof String s ? s : json.writeValueAsString(payload);
            } catch (JsonProcessingException e) {
                return Uni.createFrom().failure(e);
            }
            Request r = Request.cmd(Command.XADD).arg(stream);
            maxLength.ifPresent(n -> r.arg("MAXLEN").arg("~").arg(n));
            r.arg("*").arg("payload").arg(body).arg("type").arg(payload.getClass().getSimpleName());
            headers.forEach((k, v) -> r.arg(k).arg(v));
            return redis.send(r).map(Object::toString);
        });
    }
}
