package io.airlock.registry.admission;

import io.airlock.signing.Keys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry's signing key: configured, ephemeral, or a start-up failure, never a silent mismatch. */
class AdmissionSignerTest {
    @TempDir
    Path dir;

    private static AdmissionSigner signer(Optional<String> priv, Optional<String> pub) {
        AdmissionSigner s = new AdmissionSigner();
        s.config = new AdmissionConfig() {
            @Override
            public Optional<String> privateKeyFile() {
                return priv;
            }

            @Override
            public Optional<String> publicKeyFile() {
                return pub;
            }
        };
        s.load();
        return s;
    }

    @Test
    void aConfiguredKeyIsUsedAndNotEphemeral() throws Exception {
        String[] kp = Keys.generateEc("secp384r1");
        Path priv = Files.writeString(dir.resolve("k.pem"), kp[0]);
        Path pub = Files.writeString(dir.resolve("k.pub"), kp[1]);
        AdmissionSigner s = signer(Optional.of(priv.toString()), Optional.of(pub.toString()));
        assertThat(s.ephemeral()).isFalse();
        assertThat(s.signer().publicKeyPem()).isEqualTo(kp[1]);
    }

    @Test
    void withoutAKeyTheSignerIsEphemeralAndSaysSo() {
        assertThat(signer(Optional.empty(), Optional.empty()).ephemeral()).isTrue();
    }

    @Test
    void aMismatchedPairOrAHalfConfigurationStopsTheStartUp() throws Exception {
        String[] a = Keys.generateEc("secp256r1");
        String[] b = Keys.generateEc("secp256r1");
        Path priv = Files.writeString(dir.resolve("a.pem"), a[0]);
        Path pub = Files.writeString(dir.resolve("b.pub"), b[1]);
        assertThatThrownBy(() -> signer(Optional.of(priv.toString()), Optional.of(pub.toString())))
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> signer(Optional.of(priv.toString()), Optional.empty()))
                .hasMessageContaining("both");
        assertThatThrownBy(() -> signer(Optional.of(dir.resolve("missing").toString()), Optional.of(pub.toString())))
                .hasMessageContaining("cannot read");
    }
}
