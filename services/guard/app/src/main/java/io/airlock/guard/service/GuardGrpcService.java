package io.airlock.guard.service;

import io.airlock.blob.BlobRef;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Protos;
import io.airlock.contracts.v1.CheckRequest;
import io.airlock.contracts.v1.CheckResponse;
import io.airlock.contracts.v1.Guard;
import io.airlock.contracts.v1.GuardVerdict;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardResult;
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

    @Override
    @Blocking
    public Uni<CheckResponse> check(CheckRequest request) {
        return Uni.createFrom().item(() -> run(request));
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
        GuardResult result = engine.check(input);
        String verdict = result.verdict().name();
        sample.stop(meters.timer("airlock_guard_check", "verdict", verdict, "kind", kind.wire()));
        Log.infof("precheck submission=%s kind=%s verdict=%s findings=%d format=%s micros=%d",
                req.getSubmissionId(), kind.wire(), verdict, result.findings().size(), result.detectedFormat(),
                result.durationMicros());
        return CheckResponse.newBuilder()
                .setVerdict(GuardVerdict.valueOf("GUARD_VERDICT_" + verdict))
                .addAllFindings(result.findings().stream().map(Protos::toProto).toList())
                .setDetectedFormat(result.detectedFormat())
                .setEngineVersion(result.engineVersion())
                .setDurationMicros(result.durationMicros())
                .build();
    }
}
