package io.airlock.registry.submission.deadletter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.ConformanceWork;
import io.airlock.contracts.WorkItem;
import io.airlock.queue.IncomingStreamMetadata;
import io.airlock.registry.evaluation.service.EvaluationService;
import io.airlock.registry.evaluation.service.RunOutcome;
import io.airlock.registry.common.RegistryException;
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
 * transition is recorded; a submission that already finished is left as it is (STALE). A
 * dead-lettered conformance run ({@link ConformanceWork}, told apart by the entry's type) is closed
 * as a run that did not run, never as a failed submission: its model stays as it is.
 */
@ApplicationScoped
public class DeadLetterConsumer {

    @Inject
    SubmissionService submissions;
    @Inject
    EvaluationService evaluations;
    @Inject
    MeterRegistry meters;
    @Inject
    ObjectMapper json;

    @Incoming("dead-letters")
    @Blocking(ordered = false)
    public void onDeadLetter(String payload, IncomingStreamMetadata meta) throws Throwable {
        // a payload that does not parse throws: nacked, and finally moved to the unprocessable stream
        if (ConformanceWork.class.getSimpleName().equals(meta.type())) {
            onDeadRun(json.readValue(payload, ConformanceWork.class), meta);
        } else {
            onDeadItem(json.readValue(payload, WorkItem.class), meta);
        }
    }

    private void onDeadRun(ConformanceWork work, IncomingStreamMetadata meta) throws Throwable {
        String reason = "its message was dead-lettered: " + reason(meta);
        var r = VertxContextSupport.subscribeAndAwait(() -> evaluations.finish(RunOutcome.notRun(work.runId(), reason,
                java.time.Instant.now(), SubmissionService.DEAD_LETTER_ACTOR)));
        meters.counter("airlock_registry_dead_letters", "outcome", "conformance-" + r.outcome().name()).increment();
        Log.warnf("conformance run=%s evaluation=%s dead-lettered -> %s: %s", work.runId(), work.evaluation(),
                r.outcome(), reason);
    }

    private static String reason(IncomingStreamMetadata meta) {
        return "message " + meta.headers().getOrDefault("dead.id", "?") + " on "
                + meta.headers().getOrDefault("dead.stream", "?") + " delivered "
                + meta.headers().getOrDefault("dead.deliveries", "?") + " times; last error: "
                + meta.headers().getOrDefault("dead.error", "unknown");
    }

    private void onDeadItem(WorkItem item, IncomingStreamMetadata meta) throws Throwable {
        String reason = reason(meta);
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
