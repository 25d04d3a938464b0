package io.airlock.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Issues RS256 JWTs for the local stack and tests: {@code iss}, {@code aud}, {@code sub} and
 * {@code upn} (the user), {@code groups} (one role), {@code iat}, {@code exp}, {@code jti}.
 * Verification is not here: the services verify with Quarkus' SmallRye JWT.
 */
public final class Tokens {
    /** What the local stack's services expect (mp.jwt.verify.issuer / audiences). */
    public static final String LOCAL_ISSUER = "airlock-local";
    public static final String AUDIENCE = "airlock";
    /** User names are plain so they can go into claims, audit entries and Redis keys unescaped. */
    public static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    private Tokens() {
    }

    public static String issue(SigningKey key, String issuer, String user, String role, Duration ttl) {
        return issue(key, issuer, user, role, Instant.now(), ttl, UUID.randomUUID().toString());
    }

    public static String issue(SigningKey key, String issuer, String user, String role, Instant issuedAt,
                               Duration ttl, String jti) {
        if (!USER.matcher(user).matches()) {
            throw new IllegalArgumentException("user must match " + USER.pattern() + ": '" + user + "'");
        }
        if (!Roles.ALL.contains(role)) {
            throw new IllegalArgumentException("role must be one of " + Roles.ALL + ": '" + role + "'");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        if (!USER.matcher(issuer).matches() || !USER.matcher(jti).matches()) {
            throw new IllegalArgumentException("issuer and jti must be plain names");
        }
        long iat = issuedAt.getEpochSecond();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + key.kid() + "\"}";
        String claims = "{\"iss\":\"" + issuer + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"" + user
                + "\",\"upn\":\"" + user + "\",\"groups\":[\"" + role + "\"],\"iat\":" + iat
                + ",\"exp\":" + (iat + ttl.toSeconds()) + ",\"jti\":\"" + jti + "\"}";
        String signingInput = b64(header) + "." + b64(claims);
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.privateKey());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA256withRSA is required of every JVM", e);
        }
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
