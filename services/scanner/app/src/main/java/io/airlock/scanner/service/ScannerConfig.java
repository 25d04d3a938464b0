package io.airlock.scanner.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code airlock.scanner.*}: the quarantine policy the scanner applies. */
@ConfigMapping(prefix = "airlock.scanner")
public interface ScannerConfig {
    @WithDefault("10s")
    Duration registryDeadline();

    /** Test seam: hold each finished message this long before acknowledging it (0: off). */
    @WithDefault("0s")
    Duration holdBeforeAck();

    /**
     * Kernels that pass go on to the evaluator for their behavioral test (the evaluator admits them); with
     * {@code false} the scanner admits them itself, with no behavioral test.
     */
    @WithDefault("true")
    boolean kernelsToEvaluator();

    /**
     * The scan policy: {@code default}, {@code permissive} or a YAML policy file (docs/SCAN-POLICY.md),
     * read once at start-up (a bad file stops the scanner from starting). Its name, version and line are
     * recorded on every stage with the engine's version, kept with promoted models and in their
     * admission statements, so a re-scan of what an older policy judged is one command
     * ({@code airlock rescan --stale}).
     */
    @WithDefault("default")
    String policy();

    Sources sources();

    Signatures signatures();

    interface Sources {
        /** Hosts an origin URL may name (exact match, https only). Empty: no source policy. */
        Optional<Set<String>> allowedHosts();

        /** Whether an artifact with no recorded origin fails the source_policy stage. */
        @WithDefault("false")
        boolean requireSource();
    }

    interface Signatures {
        /** Files of the trusted public keys: PEM (EC P-256/384/521, Ed25519) or ASCII-armored OpenPGP key blocks. */
        Optional<List<String>> trustedKeys();

        /** Whether an artifact without a verified signature fails the provenance stage. */
        @WithDefault("false")
        boolean required();
    }
}
