package io.airlock.registry.evaluation.schedule;

import io.airlock.registry.evaluation.service.EvaluationConfig;
import io.airlock.registry.evaluation.service.EvaluationService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fires conformance schedules. Every replica ticks; a due evaluation is claimed with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED} and its next firing time moved on in the transaction
 * that queues its run, so with any number of replicas each firing is taken once (see
 * {@link io.airlock.registry.evaluation.repository.EvaluationRepository#claimDue}). A replica that
 * was down when a firing was due fires it late, once, and schedules the next one from now: missed
 * firings are not replayed one by one.
 */
@ApplicationScoped
public class ConformanceScheduler {
    @Inject
    EvaluationService evaluations;
    @Inject
    EvaluationConfig config;
    @Inject
    MeterRegistry meters;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent ev) {
        if (!config.schedulerEnabled()) {
            Log.warn("airlock.registry.conformance.scheduler-enabled=false: this replica fires no conformance schedules");
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "airlock-conformance-scheduler");
            t.setDaemon(true);
            return t;
        });
        long every = config.tick().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick(Instant.now());
            } catch (Throwable e) {
                // PostgreSQL or Redis away: the next tick tries again; a claimed firing rolled back stays due
                Log.warnf("conformance scheduler tick failed: %s", e.toString());
                meters.counter("airlock_registry_conformance_ticks_total", "outcome", "error").increment();
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** One tick: fire what is due at {@code now}, close overdue runs. Blocking: call it off the event loop. */
    public Tick tick(Instant now) throws Throwable {
        List<String> fired = VertxContextSupport.subscribeAndAwait(() -> evaluations.fireDue(now, config.batch()));
        int expired = VertxContextSupport.subscribeAndAwait(() ->
                evaluations.expireOverdue(now, config.runTimeout(), config.batch()));
        meters.counter("airlock_registry_conformance_fired_total").increment(fired.size());
        meters.counter("airlock_registry_conformance_expired_total").increment(expired);
        meters.counter("airlock_registry_conformance_ticks_total", "outcome", "ok").increment();
        if (!fired.isEmpty() || expired > 0) {
            Log.infof("conformance scheduler: %d run(s) queued, %d overdue run(s) closed", fired.size(), expired);
        }
        return new Tick(fired, expired);
    }

    /** What one tick did. */
    public record Tick(List<String> fired, int expired) {
    }
}
