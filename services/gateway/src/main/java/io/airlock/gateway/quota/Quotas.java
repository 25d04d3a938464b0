package io.airlock.gateway.quota;

import io.airlock.gateway.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Per-user limits counted in Redis, so that every gateway replica counts against the same
 * numbers: fixed windows (the clock hour, the UTC day) keyed by user and window, expiring with it.
 * A submission is counted before the precheck, so blocked ones count; an upload that would cross
 * the byte limit is refused before anything is stored. Redis unreachable: 503, never unlimited.
 */
@ApplicationScoped
public class Quotas {
    static final String SUBMISSIONS_PER_HOUR = "submissions-per-hour";
    static final String BYTES_PER_DAY = "bytes-per-day";

    @Inject
    RedisDataSource redis;
    @Inject
    QuotaConfig config;
    @Inject
    MeterRegistry meters;

    /** Counts one submission of {@code bytes} for {@code user}, or throws 429 naming the limit it crosses. */
    public void admit(String user, String role, long bytes) {
        long now = Instant.now().getEpochSecond();
        try {
            Limits limits = limits(user, role);
            if (limits.submissionsPerHour().isPresent()) {
                long hour = now / 3600;
                String key = "airlock:quota:submissions:" + user + ":" + hour;
                long n = redis.value(Long.class).incr(key);
                redis.key().expire(key, 3600 + 60);
                if (n > limits.submissionsPerHour().getAsLong()) {
                    throw over(SUBMISSIONS_PER_HOUR, limits.submissionsPerHour().getAsLong(), (hour + 1) * 3600 - now);
                }
            }
            if (limits.bytesPerDay().isPresent()) {
                long day = now / 86400;
                String key = "airlock:quota:bytes:" + user + ":" + day;
                long total = redis.value(Long.class).incrby(key, bytes);
                redis.key().expire(key, 86400 + 60);
                if (total > limits.bytesPerDay().getAsLong()) {
                    // this upload is not stored, so it is not counted either
                    redis.value(Long.class).decrby(key, bytes);
                    throw over(BYTES_PER_DAY, limits.bytesPerDay().getAsLong(), (day + 1) * 86400 - now);
                }
            }
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            meters.counter("airlock_quota_total", "outcome", "unavailable").increment();
            throw ProblemException.unavailable("quota-unavailable",
                    "the quota counters are unavailable (" + e.getMessage() + "); nothing was accepted", 5);
        }
        meters.counter("airlock_quota_total", "outcome", "allowed").increment();
    }

    /** The limits that apply to {@code user}: their override where an operator set one, else their role's. */
    public Limits limits(String user, String role) {
        Map<String, String> override = redis.hash(String.class).hgetall(overrideKey(user));
        QuotaConfig.Limits byRole = config.roles().get(role);
        OptionalLong perHour = byRole == null ? OptionalLong.empty() : byRole.submissionsPerHour();
        OptionalLong perDay = byRole == null ? OptionalLong.empty() : byRole.bytesPerDay();
        if (override.containsKey(SUBMISSIONS_PER_HOUR)) {
            perHour = OptionalLong.of(Long.parseLong(override.get(SUBMISSIONS_PER_HOUR)));
        }
        if (override.containsKey(BYTES_PER_DAY)) {
            perDay = OptionalLong.of(Long.parseLong(override.get(BYTES_PER_DAY)));
        }
        return new Limits(perHour, perDay);
    }

    /** An operator's limits for one user; a null field leaves that limit as it is. */
    public void override(String user, Long submissionsPerHour, Long bytesPerDay) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (submissionsPerHour != null) {
            fields.put(SUBMISSIONS_PER_HOUR, submissionsPerHour.toString());
        }
        if (bytesPerDay != null) {
            fields.put(BYTES_PER_DAY, bytesPerDay.toString());
        }
        if (!fields.isEmpty()) {
            redis.hash(String.class).hset(overrideKey(user), fields);
        }
    }

    private static String overrideKey(String user) {
        return "airlock:quota:override:" + user;
    }

    private ProblemException over(String limit, long value, long retryAfterSeconds) {
        meters.counter("airlock_quota_total", "outcome", limit).increment();
        return new ProblemException(429, "quota-exceeded", "Too many requests",
                "the " + limit + " limit of " + value + " is reached; try again in " + retryAfterSeconds + " s",
                Map.of("limit", limit, "value", value),
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    /** The limits in force for one user. */
    public record Limits(OptionalLong submissionsPerHour, OptionalLong bytesPerDay) {
    }
}
