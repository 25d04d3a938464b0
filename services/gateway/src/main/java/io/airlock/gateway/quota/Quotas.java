package io.airlock.gateway.quota;

import io.airlock.access.InFlight;
import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Per-user limits counted in Redis, so that every gateway replica counts against the same
 * numbers: fixed windows (the clock hour, the UTC day) keyed by user and window, expiring with it,
 * and the submissions in flight ({@link InFlight}). A submission is counted before the precheck, so
 * blocked ones count; its bytes are counted while they arrive ({@link UploadMeter}), and an upload
 * that crosses the byte limit is stopped and not counted. Redis unreachable: 503, never unlimited.
 */
@ApplicationScoped
public class Quotas {
    static final String SUBMISSIONS_PER_HOUR = "submissions-per-hour";
    static final String BYTES_PER_DAY = "bytes-per-day";
    static final String IN_FLIGHT = "in-flight";
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    @Inject
    ReactiveRedisDataSource redis;
    @Inject
    QuotaConfig config;
    @Inject
    GatewayConfig gateway;
    @Inject
    MeterRegistry meters;
    @Inject
    InFlight inFlight;
    @Inject
    CurrentVertxRequest request;

    /**
     * Admits submission {@code submissionId} of {@code user}: counts it in the hour, takes the
     * verdict of its upload's byte count, takes an in-flight slot; or throws 429 naming the limit it
     * crosses (503 when Redis does not answer). A caller that then fails before the registry recorded
     * a final status gives the slot back with {@link #release}.
     */
    public void admit(String user, String role, String submissionId) {
        long now = Instant.now().getEpochSecond();
        try {
            Limits limits = limits(user, role).await().atMost(DEADLINE);
            if (limits.submissionsPerHour().isPresent()) {
                long hour = now / 3600;
                String key = "airlock:quota:submissions:" + user + ":" + hour;
                long n = redis.value(Long.class).incr(key).call(x -> redis.key().expire(key, 3600 + 60))
                        .await().atMost(DEADLINE);
                if (n > limits.submissionsPerHour().getAsLong()) {
                    throw over(SUBMISSIONS_PER_HOUR, limits.submissionsPerHour().getAsLong(), (hour + 1) * 3600 - now);
                }
            }
            UploadMeter.Upload upload = request.getCurrent() == null ? null
                    : request.getCurrent().get(UploadMeter.KEY);
            if (upload == null && limits.bytesPerDay().isPresent()) {
                // a byte limit with no count of the bytes would be no limit: refused, never let through
                throw new IllegalStateException("the upload's bytes were not metered");
            }
            if (upload != null) {
                // the body is whole: the meter's last count decides (it gave the bytes back if over)
                UploadMeter.Verdict v = upload.finish().await().atMost(DEADLINE.multipliedBy(2));
                if (v instanceof UploadMeter.Verdict.Over o) {
                    throw overBytes(o.limit(), now);
                }
                if (v instanceof UploadMeter.Verdict.Unavailable u) {
                    throw new IllegalStateException(u.reason());
                }
            }
            if (limits.inFlight().isPresent()) {
                long held = inFlight.reserve(user, submissionId, limits.inFlight().getAsLong(), config.inFlightMaxAge())
                        .await().atMost(DEADLINE);
                if (held >= 0) {
                    throw over(IN_FLIGHT, limits.inFlight().getAsLong(), gateway.retryAfterSeconds());
                }
            }
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            meters.counter("airlock_quota_total", "outcome", "unavailable").increment();
            Log.warnf(e, "quotas of %s unavailable", user);
            throw ProblemException.unavailable("quota-unavailable",
                    "the quota counters are unavailable (" + describe(e) + "); nothing was accepted",
                    gateway.retryAfterSeconds());
        }
        meters.counter("airlock_quota_total", "outcome", "allowed").increment();
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Gives back the in-flight slot of a submission answered with an error before a final status was recorded. */
    public void release(String submissionId) {
        try {
            inFlight.release(submissionId).await().atMost(DEADLINE);
        } catch (RuntimeException e) {
            // the slot stops counting after in-flight-max-age; the caller's own answer matters more
            Log.warnf("submission=%s: in-flight slot not released (%s)", submissionId, e.getMessage());
        }
    }

    /** The limits that apply to {@code user}: their override where an operator set one, else their role's. */
    public Uni<Limits> limits(String user, String role) {
        return redis.hash(String.class).hgetall(overrideKey(user)).map(override -> {
            QuotaConfig.Limits byRole = config.roles().get(role);
            return new Limits(
                    pick(override, SUBMISSIONS_PER_HOUR, byRole == null ? OptionalLong.empty() : byRole.submissionsPerHour()),
                    pick(override, BYTES_PER_DAY, byRole == null ? OptionalLong.empty() : byRole.bytesPerDay()),
                    pick(override, IN_FLIGHT, byRole == null ? OptionalLong.empty() : byRole.inFlight()));
        });
    }

    private static OptionalLong pick(Map<String, String> override, String field, OptionalLong byRole) {
        return override.containsKey(field) ? OptionalLong.of(Long.parseLong(override.get(field))) : byRole;
    }

    /** An operator's limits for one user; a null field leaves that limit as it is. */
    public void override(String user, Long submissionsPerHour, Long bytesPerDay, Long inFlightLimit) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (submissionsPerHour != null) {
            fields.put(SUBMISSIONS_PER_HOUR, submissionsPerHour.toString());
        }
        if (bytesPerDay != null) {
            fields.put(BYTES_PER_DAY, bytesPerDay.toString());
        }
        if (inFlightLimit != null) {
            fields.put(IN_FLIGHT, inFlightLimit.toString());
        }
        if (!fields.isEmpty()) {
            redis.hash(String.class).hset(overrideKey(user), fields).await().atMost(DEADLINE);
        }
    }

    /** The key of {@code user}'s byte count on UTC day {@code day}. */
    static String bytesKey(String user, long day) {
        return "airlock:quota:bytes:" + user + ":" + day;
    }

    /** Adds {@code n} bytes to a day's count (negative: gives them back); answers the new total. */
    Uni<Long> addBytes(String key, long n) {
        return redis.value(Long.class).incrby(key, n).call(x -> redis.key().expire(key, 86400 + 60))
                .ifNoItem().after(DEADLINE).fail();
    }

    private static String overrideKey(String user) {
        return "airlock:quota:override:" + user;
    }

    ProblemException overBytes(long limit, long now) {
        long day = now / 86400;
        return over(BYTES_PER_DAY, limit, (day + 1) * 86400 - now);
    }

    private ProblemException over(String limit, long value, long retryAfterSeconds) {
        meters.counter("airlock_quota_total", "outcome", limit).increment();
        return new ProblemException(429, "quota-exceeded", "Too many requests",
                "the " + limit + " limit of " + value + " is reached; try again in " + retryAfterSeconds + " s",
                Map.of("limit", limit, "value", value),
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    /** The limits in force for one user. */
    public record Limits(OptionalLong submissionsPerHour, OptionalLong bytesPerDay, OptionalLong inFlight) {
    }
}
