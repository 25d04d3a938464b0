package io.airlock.access;

import io.airlock.identity.Revocations;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;

/**
 * Writes the deny list. Entries live as long as a token they could refuse can still be accepted
 * (the maximum token age plus the clock skew), so the list cannot grow without bound.
 */
@ApplicationScoped
public class Revoker {
    @Inject
    RedisDataSource redis;
    @ConfigProperty(name = "mp.jwt.verify.token.age", defaultValue = "2592000")
    long maxTokenAgeSeconds;
    @ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "60")
    long clockSkewSeconds;

    public void revokeToken(String jti) {
        redis.value(String.class).set(Revocations.tokenKey(jti), Long.toString(Instant.now().getEpochSecond()), ttl());
    }

    /** Every token of the user issued up to now (to the second) is refused; later ones are not. */
    public Instant revokeUser(String sub) {
        Instant now = Instant.now();
        redis.value(String.class).set(Revocations.userKey(sub), Long.toString(now.getEpochSecond()), ttl());
        return now;
    }

    private SetArgs ttl() {
        return new SetArgs().ex(maxTokenAgeSeconds + clockSkewSeconds);
    }
}
