package io.airlock.registry.submission.grpc;

import io.airlock.contracts.v1.ConformanceRunAck;
import io.airlock.contracts.v1.CreateSubmissionRequest;
import io.airlock.contracts.v1.GetSubmissionRequest;
import io.airlock.contracts.v1.GetTaskBundleRequest;
import io.airlock.contracts.v1.KernelTask;
import io.airlock.contracts.v1.LookupTaskRequest;
import io.airlock.contracts.v1.TaskBundle;
import io.airlock.contracts.v1.ListEventsRequest;
import io.airlock.contracts.v1.ListEventsResponse;
import io.airlock.contracts.v1.RecordConformanceRunRequest;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.Registry;
import io.airlock.contracts.v1.StartAttemptRequest;
import io.airlock.contracts.v1.Submission;
import io.airlock.contracts.v1.TransitionRequest;
import io.airlock.contracts.v1.WriteAck;
import io.airlock.registry.evaluation.grpc.ConformanceProtos;
import io.airlock.registry.evaluation.service.EvaluationService;
import io.airlock.registry.submission.service.SubmissionQueryService;
import io.airlock.registry.submission.service.SubmissionService;
import io.airlock.registry.task.service.KernelTaskService;
import com.google.protobuf.ByteString;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

/**
 * The registry's gRPC v1 API (airlock_registry.proto). Writes are idempotent on their keys;
 * runs on the event loop, as Hibernate Reactive wants.
 */
@GrpcService
public class RegistryGrpcService implements Registry {

    @Inject
    SubmissionService submissions;
    @Inject
    SubmissionQueryService queries;
    @Inject
    EvaluationService evaluations;
    @Inject
    KernelTaskService tasks;
    @Inject
    RpcMetrics metrics;

    @Override
    public Uni<WriteAck> createSubmission(CreateSubmissionRequest request) {
        return metrics.write("CreateSubmission", () -> submissions.create(ProtoMapper.newSubmission(request)))
                .map(ProtoMapper::ack);
    }

    @Override
    public Uni<WriteAck> recordStage(RecordStageRequest request) {
        return metrics.write("RecordStage", () -> submissions.recordStage(ProtoMapper.stageReport(request)))
                .map(ProtoMapper::ack);
    }

    @Override
    public Uni<WriteAck> transition(TransitionRequest request) {
        return metrics.write("Transition", () -> submissions.transition(ProtoMapper.statusChange(request)))
                .map(ProtoMapper::ack);
    }

    @Override
    public Uni<WriteAck> startAttempt(StartAttemptRequest request) {
        return metrics.write("StartAttempt", () -> submissions.startAttempt(ProtoMapper.attemptStart(request)))
                .map(ProtoMapper::ack);
    }

    @Override
    public Uni<Submission> getSubmission(GetSubmissionRequest request) {
        return metrics.timed("GetSubmission", () -> queries.get(request.getSubmissionId()).map(ProtoMapper::submission));
    }

    @Override
    public Uni<ListEventsResponse> listEvents(ListEventsRequest request) {
        return metrics.timed("ListEvents", () -> queries.events(request.getSubmissionId(), request.getAfterSeq())
                .map(ProtoMapper::events));
    }

    @Override
    public Uni<ConformanceRunAck> recordConformanceRun(RecordConformanceRunRequest request) {
        return metrics.<EvaluationService.Recorded>timed("RecordConformanceRun",
                () -> evaluations.finish(ConformanceProtos.outcome(request))).map(ConformanceProtos::ack);
    }

    @Override
    public Uni<KernelTask> lookupTask(LookupTaskRequest request) {
        return metrics.timed("LookupTask", () -> tasks.latest(request.getName()).map(t -> KernelTask.newBuilder()
                .setName(t.name()).setVersion(t.version()).setDigest(t.digest()).setLang(t.lang()).build()));
    }

    @Override
    public Uni<TaskBundle> getTaskBundle(GetTaskBundleRequest request) {
        return metrics.timed("GetTaskBundle", () -> tasks.bundle(request.getName(), request.getDigest())
                .map(tar -> TaskBundle.newBuilder().setName(request.getName()).setDigest(request.getDigest())
                        .setTar(ByteString.copyFrom(tar)).build()));
    }
}
