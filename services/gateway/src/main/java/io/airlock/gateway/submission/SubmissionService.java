package io.airlock.gateway.submission;

import com.google.protobuf.ByteString;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import io.airlock.blob.StoredBlob;
import io.airlock.contracts.Kind;
import io.airlock.contracts.grpc.Protos;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.contracts.WorkItem;
import io.airlock.contracts.v1.ArtifactRef;
import io.airlock.contracts.v1.CheckRequest;
import io.airlock.contracts.v1.CheckResponse;
import io.airlock.contracts.v1.CreateSubmissionRequest;
import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.precheck.PrecheckGate;
import io.airlock.gateway.precheck.PrecheckOutcome;
import io.airlock.gateway.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Accepting a submission: bytes into the blob store, the precheck gate, the record in the
 * registry, then the scan queue. Each step's failure has exactly one answer, and nothing is
 * queued that the registry does not know about.
 */
@ApplicationScoped
public class SubmissionService {
    static final long MAX_SIGNATURE_BYTES = 1 << 20;

    @Inject
    BlobStore blobs;
    @Inject
    PrecheckGate gate;
    @Inject
    RegistryClient registry;
    @Inject
    ScanQueue queue;
    @Inject
    GatewayConfig config;
    @Inject
    io.airlock.gateway.PrecheckConfig precheck;
    @Inject
    MeterRegistry meters;

    /** Accepts {@code in} as submission {@code id} (chosen by the caller, who counted it against its quotas). */
    public SubmissionViews.Accepted accept(String id, NewSubmission in) {
        int retry = config.retryAfterSeconds();
        // cheap refusals first, before the bytes are hashed
        long backlog;
        try {
            backlog = queue.backlog(config.scanQueueBound());
        } catch (RuntimeException e) {
            // Redis unreachable: nothing can be queued, so nothing is accepted
            throw ProblemException.unavailable("queue-unavailable", "the scan queue is unavailable: " + e.getMessage(), retry);
        }
        if (backlog > config.scanQueueBound()) {
            meters.counter("airlock_gateway_rejected_total", "reason", "queue_full").increment();
            throw new ProblemException(429, "queue-full", "Too many requests",
                    "the scan queue holds " + backlog + " unfinished submissions (bound "
                            + config.scanQueueBound() + "); try again later",
                    Map.of(), Map.of("Retry-After", Integer.toString(retry)));
        }
        BlobStore.Adopted stored = store(in);
        StoredBlob blob = stored.blob();
        String signature = storeSignature(in);
        ArtifactRef artifact = ArtifactRef.newBuilder()
                .setBlob(blob.ref().uri()).setSize(blob.size()).setFilename(in.filename()).build();

        PrecheckOutcome outcome = gate.check(checkRequest(id, in, artifact, stored.content()));
        CreateSubmissionRequest.Builder create = CreateSubmissionRequest.newBuilder()
                .setSubmissionId(id)
                .setKind(Protos.toProto(in.kind()))
                .setName(in.name())
                .setArtifact(artifact)
                .setSourceUrl(in.sourceUrl())
                .setExpectedSha256(in.expectedSha256())
                .setHasSignature(in.signature().isPresent())
                .setSignatureBlob(signature)
                .setPrecheck(outcome.recorded())
                .setSubmitter(in.submitter())
                .setActor("gateway");
        in.task().ifPresent(t -> create.setTask(t.name()).setTaskDigest(t.digest()));

        if (outcome instanceof PrecheckOutcome.Unavailable u) {
            throw ProblemException.unavailable("precheck-unavailable",
                    "the precheck is unavailable right now (" + u.reason() + "); nothing was accepted", retry);
        }
        if (outcome instanceof PrecheckOutcome.Blocked b) {
            registry.create(create.setInitialStatus(SubmissionStatus.HACKED.wire())
                    .addAllPrecheckFindings(b.response().getFindingsList())
                    .setReason("blocked by precheck").build());
            Log.infof("submission=%s blocked at precheck rules=%s", id, rules(b.response()));
            throw blocked(id, b.response());
        }

        // one call: the registry records received -> queued in one transaction; queued is recorded before the
        // message exists, so a fast scanner never finds an unknown state
        registry.create(create.setInitialStatus(SubmissionStatus.QUEUED.wire()).build());
        WorkItem item = new WorkItem(id, 1, in.kind(), in.name(), blob.ref().uri(), blob.size(), in.filename(),
                in.sourceUrl(), in.expectedSha256(), signature)
                .withTask(in.task().map(NewSubmission.PinnedTask::name).orElse(""),
                        in.task().map(NewSubmission.PinnedTask::digest).orElse(""));
        try {
            queue.enqueue(item);
        } catch (ScanQueue.EnqueueException e) {
            registry.transition(id, 1, SubmissionStatus.FAILED.wire(), "could not enqueue: " + e.getMessage());
            throw ProblemException.unavailable("queue-unavailable",
                    "the scan queue is unavailable (" + e.getMessage() + "); the submission was recorded as failed", retry);
        }
        meters.counter("airlock_gateway_accepted_total", "kind", in.kind().wire(), "precheck",
                outcome instanceof PrecheckOutcome.Allowed ? "passed" : "skipped").increment();
        Log.infof("submission=%s accepted kind=%s size=%d blob=%s precheck=%s", id, in.kind().wire(), blob.size(),
                blob.ref().uri(), outcome.recorded());
        return new SubmissionViews.Accepted(id, SubmissionStatus.QUEUED.wire(), outcome.recorded(), blob.ref().sha256(),
                blob.size(), "/v1/submissions/" + id, "/v1/submissions/" + id + "/events");
    }

    /**
     * An operator's re-scan: a new attempt of a finished submission, queued like a new one. The
     * registry decides whether it may start (final, not hacked unless allowed); a repeat of the
     * same re-scan is a duplicate and only enqueues again, which the workers absorb.
     */
    public SubmissionViews.Accepted rescan(String id, String reason, String actor) {
        var s = registry.get(id);
        var ack = registry.startAttempt(id, s.getAttempt(), reason, actor);
        if (ack.getOutcome() == io.airlock.contracts.v1.WriteOutcome.WRITE_OUTCOME_STALE) {
            throw new ProblemException(409, "not-rescannable", "Conflict",
                    "submission " + id + " is " + ack.getStatus() + " in attempt " + ack.getAttempt()
                            + ": only a finished attempt can be scanned again");
        }
        WorkItem item = new WorkItem(id, ack.getAttempt(), Protos.fromProto(s.getKind()), s.getName(),
                s.getArtifact().getBlob(), s.getArtifact().getSize(), s.getArtifact().getFilename(), s.getSourceUrl(),
                s.getExpectedSha256(), s.getSignatureBlob()).withTask(s.getTask(), s.getTaskDigest());
        try {
            queue.enqueue(item);
        } catch (ScanQueue.EnqueueException e) {
            registry.transition(id, ack.getAttempt(), SubmissionStatus.FAILED.wire(), "could not enqueue: " + e.getMessage());
            throw ProblemException.unavailable("queue-unavailable", "the scan queue is unavailable", config.retryAfterSeconds());
        }
        Log.infof("AUDIT submission=%s re-scan attempt=%d by %s: %s", id, ack.getAttempt(), actor, reason);
        return new SubmissionViews.Accepted(id, SubmissionStatus.QUEUED.wire(), s.getPrecheck(),
                s.getSha256(), s.getArtifact().getSize(), "/v1/submissions/" + id, "/v1/submissions/" + id + "/events");
    }

    /**
     * The synchronous path ({@code ?wait=true}): polls the registry until the submission reaches a
     * final status or the timeout passes. The gate has already run; only the pipeline is awaited.
     */
    public java.util.Optional<io.airlock.contracts.v1.Submission> awaitFinal(String id, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 20;
        while (true) {
            var s = registry.get(id);
            if (SubmissionStatus.parse(s.getStatus()).terminal()) {
                return java.util.Optional.of(s);
            }
            if (System.nanoTime() + pause * 1_000_000 > deadline) {
                return java.util.Optional.empty();
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return java.util.Optional.empty();
            }
            pause = Math.min(250, pause * 2);
        }
    }

    /** A detached signature is a small blob of its own; the provenance stage reads it by reference. */
    private String storeSignature(NewSubmission in) {
        if (in.signature().isEmpty()) {
            return "";
        }
        try {
            return blobs.adopt(in.signature().get(), MAX_SIGNATURE_BYTES).ref().uri();
        } catch (BlobStoreException.TooLarge e) {
            throw ProblemException.badRequest("signature-too-large",
                    "the signature part is larger than " + MAX_SIGNATURE_BYTES + " bytes");
        } catch (IOException e) {
            throw new UncheckedIOException("storing signature", e);
        }
    }

    /** Adopts the spooled upload; a kernel small enough to travel inline to the guard is kept from the hashing pass. */
    private BlobStore.Adopted store(NewSubmission in) {
        int retry = config.retryAfterSeconds();
        long max = config.maxUploadBytes();
        int keep = in.kind() == Kind.KERNEL ? precheck.inlineMaxBytes() : 0;
        try {
            blobs.requireSpace(Files.size(in.upload()));
            return blobs.adopt(in.upload(), max, keep);
        } catch (BlobStoreException.TooLarge e) {
            throw new ProblemException(413, "too-large", "Payload too large", e.getMessage(),
                    Map.of("limit", max), Map.of());
        } catch (BlobStoreException.InsufficientStorage e) {
            Log.errorf("blob store full: %s", e.getMessage());
            throw ProblemException.unavailable("storage-full", "no space left to store the artifact; try again later", retry);
        } catch (IOException e) {
            throw new UncheckedIOException("storing upload", e);
        }
    }

    private CheckRequest checkRequest(String id, NewSubmission in, ArtifactRef artifact, Optional<byte[]> content) {
        CheckRequest.Builder b = CheckRequest.newBuilder()
                .setSubmissionId(id)
                .setKind(Protos.toProto(in.kind()))
                .setArtifact(artifact)
                .setClaimedFormat(in.claimedFormat());
        if (in.kind() == Kind.KERNEL && content.isPresent()) {
            // small sources travel inline: the guard need not touch the shared volume, nor the gateway read it again
            b.setInlineContent(ByteString.copyFrom(content.get()));
        }
        return b.build();
    }

    private ProblemException blocked(String id, CheckResponse r) {
        boolean evidence = precheck.showEvidence();
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("submissionId", id);
        ext.put("submissionStatus", SubmissionStatus.HACKED.wire()); // "status" is RFC 7807's HTTP status
        ext.put("verdict", "BLOCK");
        ext.put("findings", r.getFindingsList().stream().map(f -> SubmissionViews.FindingView.of(f, evidence)).toList());
        return new ProblemException(400, "blocked-by-precheck", "Blocked by precheck",
                "the submission matched precheck rules " + rules(r) + " and was recorded as hacked", ext, Map.of());
    }

    private static String rules(CheckResponse r) {
        return r.getFindingsList().stream().map(io.airlock.contracts.v1.Finding::getRule).distinct().toList().toString();
    }
}
