package io.airlock.registry.submission.sweeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Streams;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.contracts.WorkItem;
import io.airlock.queue.StreamProducer;
import io.airlock.registry.audit.service.AuditActions;
import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.submission.repository.SubmissionEntity;
import io.airlock.registry.submission.service.StatusChange;
import io.airlock.registry.submission.service.SubmissionService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes the gap of the pipeline's dual writes: a status is recorded, then the message for the
 * next step is added to a stream. If the writer dies in between (the gateway has no input message
 * whose redelivery would repeat it), or Redis loses its streams (a restart without persistence),
 * a submission stays queued, scanning or evaluating with no message anywhere.
 *
 * <p>Every {@code interval}, one replica (a PostgreSQL advisory lock) looks at submissions in those
 * states whose row has not changed for {@code stale-after}. One whose (id, attempt) is on no
 * stream (with delete-on-ack a stream holds exactly the unacknowledged entries; the dead-letter
 * stream is looked at too) gets its message again: {@code airlock:scan} for queued and scanning,
 * {@code airlock:eval} for evaluating. The workers' steps are idempotent per attempt, so a
 * duplicate costs work, never a second record. Each re-enqueue is an audit entry; after
 * {@code max-requeues} for one attempt the submission is marked failed instead. A submission left
 * {@code received} (the gateway died before queueing it; its caller got no 202) is marked failed.
 */
@ApplicationScoped
public class PipelineSweeper {
    public static final String ACTOR = "sweeper";
    private static final long LOCK_KEY = 0x41_69_72_6C_6F_63_6BL; // "Airlock": one sweeper at a time
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);

    @Inject
    SweeperConfig config;
    @Inject
    SubmissionService submissions;
    @Inject
    AuditLog audit;
    @Inject
    Redis redis;
    @Inject
    ObjectMapper json;
    @Inject
    MeterRegistry meters;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            Log.warn("airlock.registry.sweeper.enabled=false: a message lost between a status write and its XADD "
                    + "leaves its submission waiting until an operator acts");
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "airlock-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = config.interval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (Throwable e) {
                // Redis or PostgreSQL away: the next sweep tries again; nothing was half done
                Log.warnf("sweep failed: %s", e.toString());
                meters.counter("airlock_registry_sweeps_total", "outcome", "error").increment();
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** One sweep; answers what it re-enqueued and failed. Blocking: call it off the event loop. */
    public Result sweep() throws Throwable {
        Set<String> onStreams = new HashSet<>();
        for (String stream : List.of(Streams.SCAN, Streams.EVAL, Streams.DEAD_LETTER)) {
            onStreams.addAll(inFlight(stream));
        }
        Instant cutoff = Instant.now().minus(config.staleAfter());
        List<SubmissionEntity> stale = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() ->
                Panache.getSession().flatMap(s -> s.createNativeQuery("select pg_try_advisory_xact_lock(" + LOCK_KEY + ")",
                                Boolean.class).getSingleResult())
                        .flatMap(locked -> !locked ? Uni.createFrom().item(List.<SubmissionEntity>of())
                                : candidates(cutoff))));
        int requeued = 0;
        int failed = 0;
        for (SubmissionEntity s : stale) {
            if (s.status.equals(SubmissionStatus.RECEIVED.wire())) {
                // the gateway recorded it and died before queueing it: its caller never got a 202
                VertxContextSupport.subscribeAndAwait(() -> submissions.transition(new StatusChange(s.id, s.attempt,
                        SubmissionStatus.FAILED, "never queued: the gateway stopped between recording and queueing it "
                        + "(its caller got no 202)", ACTOR)));
                failed++;
                Log.warnf("submission=%s was left received for over %s: marked failed", s.id, config.staleAfter());
                continue;
            }
            if (onStreams.contains(key(s.id, s.attempt))) {
                continue; // the normal machinery (claims, redelivery, dead-lettering) owns it
            }
            long before = VertxContextSupport.subscribeAndAwait(() -> requeues(s.id, s.attempt));
            if (before >= config.maxRequeues()) {
                VertxContextSupport.subscribeAndAwait(() -> submissions.transition(new StatusChange(s.id, s.attempt,
                        SubmissionStatus.FAILED, "its message was lost " + before + " times (re-enqueued by the sweeper "
                        + "each time); giving up", ACTOR)));
                failed++;
                Log.warnf("submission=%s attempt=%d lost %d times: marked failed", s.id, s.attempt, before);
                continue;
            }
            SubmissionStatus status = SubmissionStatus.parse(s.status);
            String stream = status == SubmissionStatus.EVALUATING ? Streams.EVAL : Streams.SCAN;
            WorkItem item = new WorkItem(s.id, s.attempt, Kind.parse(s.kind), s.name, s.blob, s.size, s.filename,
                    s.sourceUrl, s.expectedSha256, s.signatureBlob)
                    // a re-enqueued kernel keeps the task version it pinned
                    .withTask(s.task == null ? "" : s.task, s.taskDigest == null ? "" : s.taskDigest);
            // touch first: were the XADD to fail, the next sweep finds it stale again only after stale-after
            boolean mine = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> touch(s, cutoff)));
            if (!mine) {
                continue; // it moved on (or another sweep took it) since it was read
            }
            new StreamProducer(redis, json, stream, OptionalLong.empty())
                    .send(item, Map.of("requeued.by", ACTOR, "requeued.from", s.status)).await().atMost(REDIS_TIMEOUT);
            Map<String, String> details = new LinkedHashMap<>();
            details.put("attempt", Integer.toString(s.attempt));
            details.put("status", s.status);
            details.put("stream", stream);
            details.put("requeue", Long.toString(before + 1));
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() ->
                    audit.append(ACTOR, AuditActions.SUBMISSION_REQUEUE, AuditActions.submission(s.id), details)));
            requeued++;
            Log.warnf("submission=%s attempt=%d was %s with no message on any stream for over %s: re-enqueued on %s",
                    s.id, s.attempt, s.status, config.staleAfter(), stream);
        }
        meters.counter("airlock_registry_requeued_total").increment(requeued);
        meters.counter("airlock_registry_sweeps_total", "outcome", "ok").increment();
        return new Result(stale.size(), requeued, failed);
    }

    /** What one sweep did. */
    public record Result(int stale, int requeued, int failed) {
    }

    /** Oldest first: submissions in a waiting state whose row has not changed since the cutoff. */
    private Uni<List<SubmissionEntity>> candidates(Instant cutoff) {
        return Panache.getSession().flatMap(s -> s.createQuery("from SubmissionEntity where status in (?1, ?2, ?3, ?5) "
                        + "and updatedAt < ?4 order by updatedAt", SubmissionEntity.class)
                .setParameter(1, SubmissionStatus.QUEUED.wire())
                .setParameter(2, SubmissionStatus.SCANNING.wire())
                .setParameter(3, SubmissionStatus.EVALUATING.wire())
                .setParameter(4, cutoff)
                .setParameter(5, SubmissionStatus.RECEIVED.wire())
                .setMaxResults(config.batch())
                .getResultList());
    }

    /** Moves updated_at on only if the row is still as it was read; answers whether it did. */
    private Uni<Boolean> touch(SubmissionEntity s, Instant cutoff) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("update submissions set updated_at = ?1 "
                        + "where id = ?2 and attempt = ?3 and status = ?4 and updated_at < ?5")
                .setParameter(1, Instant.now().truncatedTo(ChronoUnit.MICROS))
                .setParameter(2, s.id)
                .setParameter(3, s.attempt)
                .setParameter(4, s.status)
                .setParameter(5, cutoff)
                .executeUpdate()).map(n -> n == 1);
    }

    private Uni<Long> requeues(String id, int attempt) {
        return Panache.withSession(() -> Panache.getSession().flatMap(s -> s.createNativeQuery(
                        "select count(*) from audit_log where subject = ?1 and action = ?2 and details ->> 'attempt' = ?3",
                        Long.class)
                .setParameter(1, AuditActions.submission(id))
                .setParameter(2, AuditActions.SUBMISSION_REQUEUE)
                .setParameter(3, Integer.toString(attempt))
                .getSingleResult()));
    }

    /** (id, attempt) of every entry of a stream, read in pages; with delete-on-ack, the unacknowledged ones. */
    private Set<String> inFlight(String stream) {
        Set<String> keys = new HashSet<>();
        String from = "-";
        while (true) {
            Response page = redis.send(Request.cmd(Command.XRANGE).arg(stream).arg(from).arg("+").arg("COUNT").arg(500))
                    .await().atMost(REDIS_TIMEOUT);
            if (page == null || page.size() == 0) {
                return keys;
            }
            String last = null;
            for (Response entry : page) {
                last = entry.get(0).toString();
                Response fields = entry.get(1);
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    if ("payload".equals(fields.get(i).toString())) {
                        try {
                            JsonNode p = json.readTree(fields.get(i + 1).toString());
                            keys.add(key(p.path("submissionId").asText(), p.path("attempt").asInt()));
                        } catch (Exception e) {
                            // an unreadable payload names no submission; the consumer dead-letters it
                        }
                    }
                }
            }
            if (page.size() < 500) {
                return keys;
            }
            from = "(" + last;
        }
    }

    private static String key(String id, int attempt) {
        return id + "/" + attempt;
    }
}
