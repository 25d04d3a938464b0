package io.airlock.testing;

import io.airlock.identity.SigningKey;
import io.airlock.identity.Tokens;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * One signing key per test JVM, generated in code; its JWKS is written to a temporary file that
 * {@link RealServicesResource} points the services at, and tests issue tokens with it.
 */
public final class TestIdentity {
    private static final SigningKey KEY = SigningKey.generate();
    private static Path jwks;
    private static Path serviceToken;

    private TestIdentity() {
    }

    public static synchronized Path jwks() {
        if (jwks == null) {
            try {
                jwks = Files.createTempFile("airlock-test-jwks", ".json");
                Files.writeString(jwks, KEY.jwks());
                jwks.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return jwks;
    }

    /** A file holding a service token (role service), as the stack gives the pipeline's services. */
    public static synchronized Path serviceTokenFile() {
        if (serviceToken == null) {
            try {
                serviceToken = Files.createTempFile("airlock-test-service-token", "");
                Files.writeString(serviceToken, Tokens.issue(KEY, Tokens.LOCAL_ISSUER, "test-service", "service",
                        Duration.ofHours(12)));
                serviceToken.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return serviceToken;
    }

    public static SigningKey key() {
        return KEY;
    }

    /** A valid one-hour token of {@code user} with {@code role}. */
    public static String token(String user, String role) {
        return Tokens.issue(KEY, Tokens.LOCAL_ISSUER, user, role, Duration.ofHours(1));
    }

    /** A token issued at {@code issuedAt} for {@code ttl}, with its own jti. */
    public static String token(String user, String role, Instant issuedAt, Duration ttl) {
        return Tokens.issue(KEY, Tokens.LOCAL_ISSUER, user, role, issuedAt, ttl, UUID.randomUUID().toString());
    }
}
