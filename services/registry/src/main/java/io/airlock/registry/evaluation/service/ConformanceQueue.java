package io.airlock.registry.evaluation.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.ConformanceWork;
import io.airlock.contracts.Streams;
import io.airlock.queue.StreamProducer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Puts conformance runs on the evaluator's stream. The entry's {@code type} is "ConformanceWork",
 * which is how the evaluator (and the dead-letter consumer) tell it from a pipeline WorkItem.
 */
@ApplicationScoped
public class ConformanceQueue {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Inject
    Redis redis;
    @Inject
    ObjectMapper json;

    private StreamProducer producer;

    @PostConstruct
    void init() {
        producer = new StreamProducer(redis, json, Streams.EVAL, OptionalLong.empty());
    }

    /** XADD; completes with the entry id once Redis stored it, fails after 5 s. */
    public Uni<String> send(ConformanceWork work) {
        return producer.send(work, Map.of("evaluation", work.evaluation())).ifNoItem().after(TIMEOUT).fail();
    }
}
