package io.airlock.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SigningKeyTest {

    @Test
    void theKeyFileIsReadableByItsOwnerOnlyAndIsReusedOnTheNextStart(@TempDir Path dir) throws Exception {
        SigningKey first = SigningKey.createIfAbsent(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SigningKey.KEY_FILE))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve(SigningKey.JWKS_FILE))).contains("\"kid\":\"" + first.kid() + "\"")
                .doesNotContain("\"d\"");
        assertThat(SigningKey.createIfAbsent(dir).kid()).isEqualTo(first.kid());
        assertThat(SigningKey.generate().kid()).isNotEqualTo(first.kid());
    }

    @Test
    void aTokenCarriesItsClaimsAndVerifiesWithThePublicKey() throws Exception {
        SigningKey key = SigningKey.generate();
        String token = Tokens.issue(key, Tokens.LOCAL_ISSUER, "alice", Roles.SUBMITTER, Duration.ofMinutes(5));
        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"sub\":\"alice\"", "\"groups\":[\"submitter\"]", "\"aud\":\"airlock\"", "\"jti\":");
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(key.publicKey());
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }

    @Test
    void unknownRolesAndOddUserNamesAreRefused() {
        SigningKey key = SigningKey.generate();
        assertThatThrownBy(() -> Tokens.issue(key, Tokens.LOCAL_ISSUER, "alice", "admin", Duration.ofMinutes(1)))
                .hasMessageContaining("role");
        assertThatThrownBy(() -> Tokens.issue(key, Tokens.LOCAL_ISSUER, "al\"ice", Roles.AUDITOR, Duration.ofMinutes(1)))
                .hasMessageContaining("user");
    }
}
