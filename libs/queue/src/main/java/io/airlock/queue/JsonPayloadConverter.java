package io.airlock.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.reactive.messaging.MessageConverter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;

/**
 * Turns the JSON payload of a stream message into the type an {@code @Incoming} method asks for.
 * A payload that does not fit fails the message (nack), so it is retried and finally dead-lettered
 * rather than silently dropped.
 */
@ApplicationScoped
public class JsonPayloadConverter implements MessageConverter {
    @Inject
    ObjectMapper json;

    @Override
    public boolean canConvert(Message<?> in, Type target) {
        return in.getMetadata(IncomingStreamMetadata.class).isPresent()
                && in.getPayload() instanceof String
                && target != String.class;
    }

    @Override
    public Message<?> convert(Message<?> in, Type target) {
        try {
            Object value = json.readValue((String) in.getPayload(), json.constructType(target));
            return in.withPayload(value);
        } catch (IOException e) {
            throw new UncheckedIOException("payload of stream entry "
                    + in.getMetadata(IncomingStreamMetadata.class).map(IncomingStreamMetadata::id).orElse("?")
                    + " is not a " + target.getTypeName(), e);
        }
    }
}
