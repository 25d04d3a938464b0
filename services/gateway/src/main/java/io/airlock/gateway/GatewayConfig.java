package io.airlock.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code airlock.gateway.*}: the gateway's limits. */
@ConfigMapping(prefix = "airlock.gateway")
public interface GatewayConfig {
    /** Largest artifact accepted, in bytes; one byte more is answered 413. */
    @WithDefault("21474836480")
    long maxUploadBytes();

    /** Unfinished scan work (pending + not yet delivered) beyond which submissions get 429. */
    @WithDefault("1000")
    long scanQueueBound();

    /** Retry-After, in seconds, on 429 and 503 answers. */
    @WithDefault("5")
    int retryAfterSeconds();

    /** The registry's REST API, to which read requests for lists, models, audit and reports are passed on. */
    @WithDefault("http://127.0.0.1:8084")
    String registryUrl();

    /** Deadline of each registry call. */
    @WithDefault("5s")
    Duration registryDeadline();

    /** Longest a {@code ?wait=true} submission is held open before it is answered 202 instead. */
    @WithDefault("60s")
    Duration waitTimeout();

    /** How often the events stream asks the registry for news. */
    @WithDefault("250ms")
    Duration eventsPollInterval();

    /**
     * Longest a request may take to arrive whole (headers and body): a client trickling bytes
     * slower than that (slowloris) is cut off, however regularly it sends. The idle timeout
     * ({@code quarkus.http.idle-timeout}) cuts one that stops sending.
     */
    @WithDefault("15m")
    Duration requestDeadline();
}
