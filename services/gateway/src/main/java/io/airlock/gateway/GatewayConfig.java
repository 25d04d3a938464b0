package io.airlock.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code airlock.gateway.*} and {@code airlock.precheck.*}: the gateway's limits and the precheck gate. */
@ConfigMapping(prefix = "airlock")
public interface GatewayConfig {

    Gateway gateway();

    Precheck precheck();

    interface Gateway {
        /** Largest artifact accepted, in bytes; one byte more is answered 413. */
        @WithDefault("21474836480")
        long maxUploadBytes();

        /** Unfinished scan work (pending + not yet delivered) beyond which submissions get 429. */
        @WithDefault("1000")
        long scanQueueBound();

        /** Retry-After, in seconds, on 429 and 503 answers. */
        @WithDefault("5")
        int retryAfterSeconds();

        /** Bearer tokens accepted on /v1; when none is configured the API is open (local use). */
        Optional<List<String>> tokens();

        /** Deadline of each registry call. */
        @WithDefault("5s")
        Duration registryDeadline();

        /** How often the events stream asks the registry for news. */
        @WithDefault("250ms")
        Duration eventsPollInterval();
    }

    interface Precheck {
        @WithDefault("true")
        boolean enabled();

        /** {@code fail-closed} (default): guard outage answers 503; {@code fail-open}: accept, flagged. */
        @WithDefault("fail-closed")
        String mode();

        @WithDefault("2s")
        Duration deadline();

        /** Kernel sources up to this size travel inline to the guard instead of by reference. */
        @WithDefault("65536")
        int inlineMaxBytes();

        /** Whether a blocked submitter sees the evidence of the matched rules (operators always do, in the registry). */
        @WithDefault("false")
        boolean showEvidence();
    }
}
