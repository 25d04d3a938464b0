package io.airlock.scanner.service;

import io.airlock.blob.BlobRef;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.contracts.WorkItem;
import io.airlock.contracts.v1.WriteAck;
import io.airlock.contracts.v1.WriteOutcome;
import io.airlock.scanner.engine.Provenance;
import io.airlock.scanner.engine.ScanEngine;
import io.airlock.scanner.engine.ScanOptions;
import io.airlock.scanner.engine.ScanPolicy;
import io.airlock.scanner.engine.ScanReport;
import io.airlock.scanner.engine.ScanVerdict;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Consumes the scan stream. For each submission: mark it scanning, run the stages (each stage
 * recorded as it completes, so progress is live), decide, record the decision, hand the artifact
 * on, and only then return — which acknowledges the message. A crash anywhere before that leaves
 * the message pending; its redelivery repeats the same idempotent writes.
 */
@ApplicationScoped
public class ScanWorker {

    @Inject
    ScanEngine engine;
    @Inject
    BlobStore blobs;
    @Inject
    RegistryRecorder registry;
    @Inject
    MeterRegistry meters;
    @Inject
    @Channel("eval-requests")
    Emitter<WorkItem> toEvaluator;
    @Inject
    @Channel("admitted-kernels")
    Emitter<WorkItem> toKernelRunner;
    @Inject
    ScannerConfig config;
    @Inject
    ScanPolicy policy;
    private java.util.List<String> trustedKeys = java.util.List.of();

    void init(@Observes StartupEvent ev) throws java.io.IOException {
        // the seam holds a finished message before its acknowledgement, so a test can kill the process in that window
        if (!config.holdBeforeAck().isZero()) {
            Log.warnf("TEST SEAM ACTIVE: every scan message is held %s before acknowledgement", config.holdBeforeAck());
        }
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (String file : config.signatures().trustedKeys().orElse(java.util.List.of())) {
            keys.add(java.nio.file.Files.readString(Path.of(file.strip())));
        }
        trustedKeys = java.util.List.copyOf(keys);
        Log.infof("source policy: allowed hosts %s, origin required %s; %d trusted signing key(s), signature required %s",
                config.sources().allowedHosts().orElse(java.util.Set.of()), config.sources().requireSource(),
                trustedKeys.size(), config.signatures().required());
    }

    /** The origin and signature checks' inputs for one work item. */
    private Provenance provenance(WorkItem item) throws java.io.IOException {
        java.util.Optional<Path> signature = item.signatureBlob().isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(blobs.path(BlobRef.parse(item.signatureBlob())));
        return new Provenance(item.sourceUrl(),
                new Provenance.SourcePolicy(config.sources().allowedHosts().orElse(java.util.Set.of()), config.sources().requireSource()),
                signature, trustedKeys, config.signatures().required(), item.filename());
    }

    @Incoming("scan-requests")
    @Blocking(ordered = false)
    public void onScan(WorkItem item) {
        WriteAck started = registry.transition(item, SubmissionStatus.SCANNING.wire(), "scan started");
        if (started.getOutcome() == WriteOutcome.WRITE_OUTCOME_STALE) {
            // an older attempt, or a submission already finished: nothing to do, acknowledge it
            Log.infof("submission=%s attempt=%d skipped: registry says %s attempt %d", item.submissionId(),
                    item.attempt(), started.getStatus(), started.getAttempt());
            return;
        }
        Log.infof("submission=%s attempt=%d scanning kind=%s blob=%s%s", item.submissionId(), item.attempt(),
                item.kind().wire(), item.blob(),
                started.getOutcome() == WriteOutcome.WRITE_OUTCOME_DUPLICATE ? " (redelivered)" : "");
        Path file;
        Provenance provenance;
        try {
            file = blobs.path(BlobRef.parse(item.blob()));
            provenance = provenance(item);
        } catch (BlobStoreException.NotFound e) {
            // permanent: retrying cannot bring the bytes back
            registry.stage(item, new StageResult("integrity", StageStatus.ERROR, 0,
                    List.of(new Finding("scan.blob_missing", Severity.HIGH, "integrity", item.blob(),
                            "artifact bytes are missing from the blob store", "")), Map.of()));
            registry.transition(item, SubmissionStatus.FAILED.wire(), "artifact bytes missing from the blob store");
            return;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // transient: nack, redelivered later
        }

        ScanOptions options = policy.options(ScanOptions.defaults(item.kind())).withExpectedSha256(item.expectedSha256());
        Timer.Sample whole = Timer.start(meters);
        ScanReport report = engine.scan(file, options, provenance, stage -> {
            io.airlock.support.StageMetrics.record(meters, stage);
            registry.stage(item, versioned(stage));
        });
        whole.stop(meters.timer("airlock_scan_duration", "verdict", report.verdict().name()));

        SubmissionStatus next = decide(item.kind(), report.verdict());
        if (next == SubmissionStatus.ADMITTED && config.kernelsToEvaluator()) {
            next = SubmissionStatus.EVALUATING; // the evaluator's behavioral test decides admission
        }
        String reason = reason(report);
        registry.transition(item, next.wire(), reason);
        if (next == SubmissionStatus.EVALUATING) {
            send(toEvaluator, item);
        } else if (next == SubmissionStatus.ADMITTED) {
            send(toKernelRunner, item);
        }
        Log.infof("submission=%s attempt=%d verdict=%s -> %s (%s)", item.submissionId(), item.attempt(),
                report.verdict(), next.wire(), reason);
        if (!config.holdBeforeAck().isZero()) {
            Log.infof("submission=%s holding before ack for %s", item.submissionId(), config.holdBeforeAck());
            try {
                Thread.sleep(config.holdBeforeAck().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted before ack", e);
            }
        }
    }

    static SubmissionStatus decide(Kind kind, ScanVerdict verdict) {
        return switch (verdict) {
            case PASS -> kind == Kind.KERNEL ? SubmissionStatus.ADMITTED : SubmissionStatus.EVALUATING;
            case REJECT -> SubmissionStatus.REJECTED;
            // an internal error admits nothing
            case ERROR -> SubmissionStatus.FAILED;
        };
    }

    private static String reason(ScanReport report) {
        return report.stages().stream()
                .filter(s -> s.status().decidesAgainst())
                .findFirst()
                .map(s -> s.stage() + ": " + s.status() + s.findings().stream().findFirst()
                        .map(f -> " " + f.rule() + " - " + f.message()).orElse(""))
                .orElse("all scan stages passed or were reported as not run");
    }

    /** Every stage says which scanner and policy judged it, so a rule change can trigger re-scans. */
    private StageResult versioned(StageResult s) {
        Map<String, String> details = new java.util.TreeMap<>(s.details());
        details.put("scannerVersion", ScanEngine.VERSION);
        // the engine names the policy that judged the stage (kernels keep the builtin line whatever the policy)
        details.put("policyVersion", s.details().getOrDefault("policy", policy.describe()));
        return new StageResult(s.stage(), s.status(), s.durationMicros(), s.findings(), details);
    }

    /** Waits for Redis to confirm the XADD, so the acknowledgement of the input follows a durable output. */
    private static void send(Emitter<WorkItem> emitter, WorkItem item) {
        try {
            emitter.send(item).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not hand " + item.submissionId() + " on: " + e, e);
        }
    }
}
