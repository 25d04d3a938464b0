package io.airlock.gateway.submission;

import io.airlock.contracts.v1.CreateSubmissionRequest;
import io.airlock.contracts.v1.GetSubmissionRequest;
import io.airlock.contracts.v1.ListEventsRequest;
import io.airlock.contracts.v1.ListEventsResponse;
import io.airlock.contracts.v1.MutinyRegistryGrpc;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.Submission;
import io.airlock.contracts.v1.TransitionRequest;
import io.airlock.contracts.v1.WriteAck;
import io.airlock.gateway.GatewayConfig;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.TimeUnit;

/** The gateway's calls to the registry, each with a deadline. */
@ApplicationScoped
public class RegistryClient {

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub blocking;
    @GrpcClient("registry")
    MutinyRegistryGrpc.MutinyRegistryStub reactive;
    @Inject
    GatewayConfig config;

    private RegistryGrpc.RegistryBlockingStub stub() {
        return blocking.withDeadlineAfter(config.registryDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    public WriteAck create(CreateSubmissionRequest request) {
        return stub().createSubmission(request);
    }

    public WriteAck transition(String id, int attempt, String status, String reason) {
        return stub().transition(TransitionRequest.newBuilder()
                .setSubmissionId(id).setAttempt(attempt).setStatus(status).setReason(reason).setActor("gateway")
                .build());
    }

    public WriteAck startAttempt(String id, int fromAttempt, String reason, String actor) {
        return stub().startAttempt(io.airlock.contracts.v1.StartAttemptRequest.newBuilder()
                .setSubmissionId(id).setFromAttempt(fromAttempt).setReason(reason).setActor(actor).build());
    }

    /** The newest version of a kernel task (NOT_FOUND from the registry when no task has the name). */
    public io.airlock.contracts.v1.KernelTask lookupTask(String name) {
        return stub().lookupTask(io.airlock.contracts.v1.LookupTaskRequest.newBuilder().setName(name).build());
    }

    public Submission get(String id) {
        return stub().getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build());
    }

    public Uni<ListEventsResponse> events(String id, long afterSeq) {
        return reactive.withDeadlineAfter(config.registryDeadline().toMillis(), TimeUnit.MILLISECONDS)
                .listEvents(ListEventsRequest.newBuilder().setSubmissionId(id).setAfterSeq(afterSeq).build());
    }
}
