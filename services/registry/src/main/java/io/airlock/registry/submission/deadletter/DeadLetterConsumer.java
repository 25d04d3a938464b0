package io.airlock.registry.submission.deadletter;

import io.airlock.contracts.WorkItem;
import io.airlock.queue.IncomingStreamMetadata;
import io.airlock.registry.submission.service.RegistryException;
import io.airlock.registry.submission.service.SubmissionService;
import io.airlock.registry.submission.service.WriteResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Marks a submission failed when its message was dead-lettered by a worker (delivered more than
 * max-deliveries times), so nothing stays "scanning" forever. Acknowledged only after the
 * transition is recorded; a submission that already finished is left as it is (STALE).
 */
@ApplicationScoped
public class DeadLetterConsumer {

    @Inject
    SubmissionService submissions;
    @Inject
    MeterRegistry meters;

    @Incoming("dead-letters")
    @Blocking(ordered = false)
    public void onDeadLetter(WorkItem item, IncomingStreamMetadata meta) throws Throwable {
        String reason = "message " + meta.headers().getOrDefault("dead.id", "?") + " on "
                + meta.headers().getOrDefault("dead.stream", "?") + " delivered "
                + meta.headers().getOrDefault("dead.deliveries", "?") + " times; last error: "
                + meta.headers().getOrDefault("dead.error", "unknown");
        WriteResult r;
        try {
            // Hibernate Reactive needs a Vert.x context; this thread is a worker
            r = VertxContextSupport.subscribeAndAwait(() -> submissions.markFailed(item.submissionId(), item.attempt(), reason));
        } catch (RegistryException e) {
            Log.warnf("dead letter for unknown or invalid submission %s: %s", item.submissionId(), e.getMessage());
            meters.counter("airlock_registry_dead_letters", "outcome", "unknown").increment();
            return;
        }
        meters.counter("airlock_registry_dead_letters", "outcome", r.outcome().name()).increment();
        Log.warnf("submission=%s attempt=%d dead-lettered -> %s (%s): %s", item.submissionId(), item.attempt(),
                r.status(), r.outcome(), reason);
    }
}
