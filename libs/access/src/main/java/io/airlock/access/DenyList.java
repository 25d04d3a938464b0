package io.airlock.access;

import io.airlock.identity.Revocations;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Reads the deny list: one MGET of the token's and the user's entries. Fails with
 * {@link TokenRevokedException} for a revoked token, {@link IdentityUnavailableException} when
 * Redis does not answer within its deadline (the caller is refused, never let through).
 */
@ApplicationScoped
public class DenyList {
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    @Inject
    ReactiveRedisDataSource redis;

    /** What a check needs of a token, kept by long-lived requests (event streams) that check again. */
    public record Token(String jti, String sub, long issuedAt) {
        public static Token of(JsonWebToken jwt) {
            return new Token(jwt.getTokenID(), jwt.getSubject(), jwt.getIssuedAtTime());
        }
    }

    public Uni<Void> check(Token t) {
        return redis.value(String.class).mget(Revocations.tokenKey(t.jti()), Revocations.userKey(t.sub()))
                .ifNoItem().after(DEADLINE).fail()
                .onFailure().transform(e -> new IdentityUnavailableException(
                        "the revocation list is unavailable (" + e.getMessage() + ")", e))
                .onItem().transform((Map<String, String> found) -> {
                    if (found.get(Revocations.tokenKey(t.jti())) != null) {
                        throw new TokenRevokedException("the token was revoked");
                    }
                    String userRevokedAt = found.get(Revocations.userKey(t.sub()));
                    if (userRevokedAt != null && t.issuedAt() <= Long.parseLong(userRevokedAt)) {
                        throw new TokenRevokedException("the user's tokens issued until "
                                + Instant.ofEpochSecond(Long.parseLong(userRevokedAt)) + " were revoked");
                    }
                    return null;
                });
    }
}
