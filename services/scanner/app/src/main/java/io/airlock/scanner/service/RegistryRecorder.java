package io.airlock.scanner.service;

import io.airlock.contracts.grpc.Protos;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.WorkItem;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.TransitionRequest;
import io.airlock.contracts.v1.WriteAck;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.TimeUnit;

/** The scanner's writes to the registry. Every one is idempotent, so a redelivered message may repeat them. */
@ApplicationScoped
public class RegistryRecorder {
    static final String ACTOR = "scanner";

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @jakarta.inject.Inject
    ScannerConfig config;

    private RegistryGrpc.RegistryBlockingStub stub() {
        return registry.withDeadlineAfter(config.registryDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    public WriteAck transition(WorkItem item, String status, String reason) {
        return stub().transition(TransitionRequest.newBuilder()
                .setSubmissionId(item.submissionId()).setAttempt(item.attempt())
                .setStatus(status).setReason(reason).setActor(ACTOR).build());
    }

    public WriteAck stage(WorkItem item, StageResult result) {
        return stub().recordStage(RecordStageRequest.newBuilder()
                .setSubmissionId(item.submissionId()).setAttempt(item.attempt())
                .setStage(Protos.toProto(result).toBuilder().setService(ACTOR)).build());
    }
}
