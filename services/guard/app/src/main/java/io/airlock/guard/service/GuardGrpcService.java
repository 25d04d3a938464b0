package io.airlock.guard.service;

import io.airlock.blob.BlobRef;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import io.airlock.contracts.Kind;
import io.airlock.contracts.grpc.Protos;
import io.airlock.contracts.v1.CheckRequest;
import io.airlock.contracts.v1.CheckResponse;
import io.airlock.contracts.v1.Guard;
import io.airlock.contracts.v1.GuardVerdict;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardResult;
import io.airlock.guard.service.external.ExternalAnalyzer;
import io.airlock.contracts.Finding;
import java.util.ArrayList;
import java.util.List;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Path;

/** gRPC face of the guard engine. Reads the artifact by reference from the shared blob store. */
@GrpcService
public class GuardGrpcService implements Guard {

    @Inject
    GuardEngine engine;
    @Inject
    BlobStore blobs;
    @Inject
    MeterRegistry meters;
    @Inject
    ExternalAnalyzer external;

    @Override
    @Blocking
    public Uni<CheckResponse> check(CheckRequest request) {
        return Uni.createFrom().item(() -> run(request));
    }

    /** The bytes the external analyzer reads (it is only asked for them when enabled and within its size bound). */
    private static byte[] contentOf(GuardInput input) throws IOException {
        if (input.content() instanceof GuardInput.InlineContent inline) {
            return inline.bytes();
        }
        return java.nio.file.Files.readAllBytes(((GuardInput.FileContent) input.content()).file());
    }

    private CheckResponse run(CheckRequest req) {
        Timer.Sample sample = Timer.start(meters);
        Kind kind;
        try {
            kind = Protos.fromProto(req.getKind());
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription("kind must be set").asRuntimeException();
        }
        GuardInput input;
        String filename = req.getArtifact().getFilename();
        if (!req.getInlineContent().isEmpty()) {
            input = GuardInput.ofInline(kind, req.getClaimedFormat(), filename, req.getInlineContent().toByteArray());
        } else {
            try {
                BlobRef ref = BlobRef.parse(req.getArtifact().getBlob());
                Path path = blobs.path(ref);
                input = GuardInput.ofFile(kind, req.getClaimedFormat(), filename, blobs.size(ref), path);
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription("bad blob reference: " + e.getMessage()).asRuntimeException();
            } catch (BlobStoreException.NotFound e) {
                throw Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
            } catch (IOException e) {
                throw Status.UNAVAILABLE.withDescription("blob store: " + e.getMessage()).asRuntimeException();
            }
        }
        GuardResult result;
        List<Finding> findings;
        try {
            result = engine.check(input);
            findings = new ArrayList<>(result.findings());
            external.analyze(kind, input.size(), () -> contentOf(input)).ifPresent(findings::addAll);
        } catch (java.io.UncheckedIOException e) {
            throw Status.UNAVAILABLE.withDescription("cannot read the artifact: " + e.getMessage()).asRuntimeException();
        } catch (ExternalAnalyzer.Unavailable e) {
            // the external opinion is part of the check: without it the guard has no answer
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
        boolean block = findings.stream().anyMatch(f -> f.severity().blocksByDefault());
        String verdict = block ? "BLOCK" : "ALLOW";
        sample.stop(meters.timer("airlock_guard_check", "verdict", verdict, "kind", kind.wire()));
        Log.infof("precheck submission=%s kind=%s verdict=%s findings=%d format=%s micros=%d",
                req.getSubmissionId(), kind.wire(), verdict, findings.size(), result.detectedFormat(),
                result.durationMicros());
        return CheckResponse.newBuilder()
                .setVerdict(GuardVerdict.valueOf("GUARD_VERDICT_" + verdict))
                .addAllFindings(findings.stream().map(Protos::toProto).toList())
                .setDetectedFormat(result.detectedFormat())
                .setEngineVersion(result.engineVersion())
                .setDurationMicros(result.durationMicros())
                .build();
    }
}
