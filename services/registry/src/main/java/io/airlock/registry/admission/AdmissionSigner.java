package io.airlock.registry.admission;

import io.airlock.signing.Keys;
import io.airlock.signing.SigningException;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Holds the registry's signing key. A configured key that cannot be read, or a private key that
 * does not match its public key, stops the start-up: a registry that cannot sign what it admits
 * must not pretend to.
 */
@Startup
@ApplicationScoped
public class AdmissionSigner {
    private static final Logger LOG = Logger.getLogger(AdmissionSigner.class);

    @Inject
    AdmissionConfig config;

    private Keys.Signer signer;
    private boolean ephemeral;

    @PostConstruct
    void load() {
        try {
            if (config.privateKeyFile().isPresent() != config.publicKeyFile().isPresent()) {
                throw new IllegalStateException("airlock.registry.admission: set both private-key-file and "
                        + "public-key-file, or neither");
            }
            if (config.privateKeyFile().isPresent()) {
                signer = Keys.signer(read(config.privateKeyFile().get()), read(config.publicKeyFile().get()));
                ephemeral = false;
            } else {
                String[] kp = Keys.generateEc("secp256r1");
                signer = Keys.signer(kp[0], kp[1]);
                ephemeral = true;
                LOG.warn("airlock.registry.admission: no signing key configured; admission statements are signed "
                        + "with an ephemeral key (keyid " + signer.keyId() + ") that dies with this process");
            }
            // a key pair that does not match would sign statements nobody can verify: check once, here
            byte[] probe = "airlock admission key check".getBytes(StandardCharsets.US_ASCII);
            if (!Keys.verifier(signer.publicKeyPem()).verify(probe, signer.sign(probe))) {
                throw new IllegalStateException("airlock.registry.admission: the private key does not match the "
                        + "public key");
            }
        } catch (SigningException e) {
            throw new IllegalStateException("airlock.registry.admission: " + e.getMessage(), e);
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("airlock.registry.admission: cannot read " + file, e);
        }
    }

    public Keys.Signer signer() {
        return signer;
    }

    public boolean ephemeral() {
        return ephemeral;
    }
}
