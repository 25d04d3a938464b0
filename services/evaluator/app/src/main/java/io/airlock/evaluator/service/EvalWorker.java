package io.airlock.evaluator.service;

import io.airlock.blob.BlobRef;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.ConformanceWork;
import io.airlock.contracts.Kind;
import io.airlock.contracts.grpc.Protos;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.contracts.WorkItem;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.TransitionRequest;
import io.airlock.contracts.v1.WriteAck;
import io.airlock.contracts.v1.WriteOutcome;
import io.airlock.evaluator.engine.EvalReport;
import io.airlock.queue.IncomingStreamMetadata;
import io.airlock.formats.FormatSniffer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Consumes the eval stream: runs what can be run, records every stage (including the ones that
 * could not run, with their reason), and decides promotion under the behavioral-test policy. The
 * stream also carries conformance runs of promoted models ({@link ConformanceWork}, told apart by
 * the entry's type), handed to {@link ConformanceRunner}: one consumer group, one in-flight limit,
 * one claim and dead-letter machinery for both kinds of work.
 */
@ApplicationScoped
public class EvalWorker {
    static final String ACTOR = "evaluator";

    @Inject
    BlobStore blobs;
    @Inject
    MeterRegistry meters;
    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @Inject
    EvaluatorConfig config;
    @Inject
    ModelRunner runner;
    @Inject
    ConformanceRunner conformance;
    @Inject
    ObjectMapper json;
    @Inject
    KernelRunner kernels;
    @Channel("admitted-kernels")
    Emitter<WorkItem> toKernelRunner;

    /** Whether a model whose behavioral test could not run may be promoted. */
    public enum BehavioralPolicy {
        REQUIRED, IF_RUNNABLE, OFF;

        /** Accepts the documented spellings: required, if-runnable, off. */
        public static BehavioralPolicy fromString(String s) {
            return valueOf(s.strip().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    @Incoming("eval-requests")
    @Blocking(ordered = false)
    public void onMessage(String payload, IncomingStreamMetadata meta) throws IOException {
        // a payload that does not parse throws: nacked, retried, finally dead-lettered, never dropped
        if (ConformanceWork.class.getSimpleName().equals(meta.type())) {
            conformance.run(json.readValue(payload, ConformanceWork.class));
        } else {
            onEval(json.readValue(payload, WorkItem.class));
        }
    }

    /** Pipeline work: a submission in "evaluating". */
    public void onEval(WorkItem item) {
        Optional<SubmissionStatus> current = currentStatus(item);
        if (current.isEmpty()) {
            return;
        }
        Path file;
        String format;
        try {
            file = blobs.path(BlobRef.parse(item.blob()));
            format = FormatSniffer.sniff(file).format().id();
        } catch (BlobStoreException.NotFound e) {
            transition(item, SubmissionStatus.FAILED, "artifact bytes missing from the blob store");
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (item.kind() == Kind.KERNEL) {
            onKernel(item, file);
            return;
        }
        long t0 = System.nanoTime();
        EvalReport report = runner.evaluate(file, format);
        for (StageResult stage : report.stages()) {
            io.airlock.support.StageMetrics.record(meters, stage);
            registry().recordStage(RecordStageRequest.newBuilder()
                    .setSubmissionId(item.submissionId()).setAttempt(item.attempt())
                    .setStage(Protos.toProto(stage).toBuilder().setService(ACTOR)).build());
        }
        Decision d = decide(report, BehavioralPolicy.fromString(config.behavioralTest()));
        transition(item, d.status(), d.reason());
        Log.infof("submission=%s attempt=%d evaluated provider=%s in %d ms -> %s (%s)", item.submissionId(),
                item.attempt(), report.executionProvider(), (System.nanoTime() - t0) / 1_000_000, d.status().wire(),
                d.reason());
    }

    /**
     * A kernel that passed the scanner: its behavioral test against the task it names, then admitted (handed to
     * the kernel runner stream), rejected, hacked or failed. The transition is recorded before the hand-off, as
     * the scanner does.
     */
    private void onKernel(WorkItem item, Path file) {
        long t0 = System.nanoTime();
        StageResult stage = kernels.judge(file, item);
        io.airlock.support.StageMetrics.record(meters, stage);
        registry().recordStage(RecordStageRequest.newBuilder()
                .setSubmissionId(item.submissionId()).setAttempt(item.attempt())
                .setStage(Protos.toProto(stage).toBuilder().setService(ACTOR)).build());
        KernelRunner.Decision d = KernelRunner.decide(stage,
                BehavioralPolicy.fromString(config.kernelBehavioralTest()));
        WriteAck ack = transition(item, d.status(), d.reason());
        if (d.status() == SubmissionStatus.ADMITTED && ack.getOutcome() != WriteOutcome.WRITE_OUTCOME_STALE) {
            try {
                // the runner downstream learns whether the judge proved the kernel: "unproven" is an admission
                // without the behavioral test (NOT_RUN under if-runnable or off), with the reason
                java.util.concurrent.CompletableFuture<Void> sent = new java.util.concurrent.CompletableFuture<>();
                toKernelRunner.send(org.eclipse.microprofile.reactive.messaging.Message.of(item)
                        .addMetadata(new io.airlock.queue.OutgoingStreamMetadata(proof(d, item)))
                        .withAck(() -> {
                            sent.complete(null);
                            return java.util.concurrent.CompletableFuture.completedFuture(null);
                        }).withNack(t -> {
                            sent.completeExceptionally(t);
                            return java.util.concurrent.CompletableFuture.completedFuture(null);
                        }));
                sent.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("could not hand " + item.submissionId() + " on: " + e, e);
            }
        }
        Log.infof("submission=%s attempt=%d kernel judged in %d ms -> %s (%s)", item.submissionId(), item.attempt(),
                (System.nanoTime() - t0) / 1_000_000, d.status().wire(), d.reason());
    }

    /** The stream fields that say what an admission rests on: proof=judged|unproven, its reason, the pinned task. */
    static java.util.Map<String, String> proof(KernelRunner.Decision d, WorkItem item) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("proof", d.unproven() ? "unproven" : "judged");
        m.put("proofReason", d.reason());
        m.put("task", item.task());
        m.put("taskDigest", item.taskDigest());
        return m;
    }

    /** The registry's view: only a submission that is evaluating in this attempt is worked on. */
    private Optional<SubmissionStatus> currentStatus(WorkItem item) {
        var s = registry().getSubmission(io.airlock.contracts.v1.GetSubmissionRequest.newBuilder()
                .setSubmissionId(item.submissionId()).build());
        SubmissionStatus status = SubmissionStatus.parse(s.getStatus());
        if (s.getAttempt() != item.attempt() || status != SubmissionStatus.EVALUATING) {
            Log.infof("submission=%s attempt=%d skipped: registry says %s attempt %d", item.submissionId(),
                    item.attempt(), status.wire(), s.getAttempt());
            return Optional.empty();
        }
        return Optional.of(status);
    }

    record Decision(SubmissionStatus status, String reason) {
    }

    static Decision decide(EvalReport report, BehavioralPolicy policy) {
        for (StageResult s : report.stages()) {
            if (s.status() == StageStatus.ERROR) {
                return new Decision(SubmissionStatus.FAILED, s.stage() + ": evaluator error");
            }
            if (s.status() == StageStatus.FAIL) {
                return new Decision(SubmissionStatus.REJECTED, s.stage() + ": " + s.findings().stream().findFirst()
                        .map(f -> f.rule() + " - " + f.message()).orElse("failed"));
            }
        }
        Optional<StageResult> behavioral = report.stages().stream()
                .filter(s -> s.stage().equals("behavioral_test")).findFirst();
        boolean ran = behavioral.map(s -> s.status() == StageStatus.PASS).orElse(false);
        if (!ran && policy == BehavioralPolicy.REQUIRED) {
            return new Decision(SubmissionStatus.REJECTED, "behavioral test required by policy but not run: "
                    + behavioral.map(s -> s.details().getOrDefault("reason", s.status().name())).orElse("no such stage"));
        }
        return new Decision(SubmissionStatus.PROMOTED, ran ? "all evaluation stages passed"
                : "promoted without a behavioral test (policy " + policy.name().toLowerCase().replace('_', '-')
                + "): " + behavioral.map(s -> s.details().getOrDefault("reason", "")).orElse("not run"));
    }

    private WriteAck transition(WorkItem item, SubmissionStatus status, String reason) {
        WriteAck ack = registry().transition(TransitionRequest.newBuilder()
                .setSubmissionId(item.submissionId()).setAttempt(item.attempt())
                .setStatus(status.wire()).setReason(reason).setActor(ACTOR).build());
        if (ack.getOutcome() == WriteOutcome.WRITE_OUTCOME_STALE) {
            Log.warnf("submission=%s transition to %s was stale (now %s)", item.submissionId(), status.wire(),
                    ack.getStatus());
        }
        return ack;
    }

    private RegistryGrpc.RegistryBlockingStub registry() {
        return registry.withDeadlineAfter(config.registryDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }
}
