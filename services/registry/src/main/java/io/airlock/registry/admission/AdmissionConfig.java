package io.airlock.registry.admission;

import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/**
 * {@code airlock.registry.admission.*}: the key the registry signs admission statements with.
 * Both files or neither; with neither the registry makes an ephemeral key at start-up and says so
 * (in a warning, in {@code GET /v1/admissions/key} and in every statement's predicate).
 */
@ConfigMapping(prefix = "airlock.registry.admission")
public interface AdmissionConfig {
    /** PKCS#8 PEM private key (EC P-256/P-384/P-521 or Ed25519). A Kubernetes Secret in production. */
    Optional<String> privateKeyFile();

    /** The matching public key, PEM (SubjectPublicKeyInfo). */
    Optional<String> publicKeyFile();
}
