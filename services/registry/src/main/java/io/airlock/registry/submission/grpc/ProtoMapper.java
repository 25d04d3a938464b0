package io.airlock.registry.submission.grpc;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.grpc.Protos;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.contracts.v1.ArtifactRef;
import io.airlock.contracts.v1.CreateSubmissionRequest;
import io.airlock.contracts.v1.Event;
import io.airlock.contracts.v1.ListEventsResponse;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.StartAttemptRequest;
import io.airlock.contracts.v1.Submission;
import io.airlock.contracts.v1.TransitionRequest;
import io.airlock.contracts.v1.WriteAck;
import io.airlock.registry.submission.service.AttemptStart;
import io.airlock.registry.submission.service.EventsSince;
import io.airlock.registry.submission.service.NewSubmission;
import io.airlock.registry.submission.service.RegistryEvent;
import io.airlock.registry.common.RegistryException;
import io.airlock.registry.submission.service.StageReport;
import io.airlock.registry.submission.service.StatusChange;
import io.airlock.registry.submission.service.SubmissionDetail;
import io.airlock.registry.submission.service.SubmissionRecord;
import io.airlock.registry.submission.service.WriteResult;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** gRPC v1 messages to service records and back. Bad input becomes INVALID_ARGUMENT with a clear message. */
final class ProtoMapper {
    private ProtoMapper() {
    }

    static NewSubmission newSubmission(CreateSubmissionRequest r) {
        ArtifactRef a = r.getArtifact();
        return new NewSubmission(r.getSubmissionId(), kind(r.getKind()), r.getName(), a.getFilename(), a.getBlob(),
                a.getSize(), r.getSourceUrl(), r.getExpectedSha256(), r.getHasSignature(),
                status("initial_status", r.getInitialStatus()), r.getPrecheck(),
                findings(r.getPrecheckFindingsList()), r.getReason(), r.getActor(), r.getSignatureBlob(),
                r.getSubmitter(), r.getTask(), r.getTaskDigest());
    }

    static StageReport stageReport(RecordStageRequest r) {
        if (!r.hasStage()) {
            throw RegistryException.invalid("stage is required");
        }
        var s = r.getStage();
        StageStatus status;
        try {
            status = StageStatus.valueOf(s.getStatus().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalid("unknown stage status '" + s.getStatus() + "': expected one of "
                    + Arrays.toString(StageStatus.values()));
        }
        StageResult result;
        try {
            result = new StageResult(s.getStage(), status, s.getDurationMicros(),
                    findings(s.getFindingsList()), s.getDetailsMap());
        } catch (IllegalArgumentException e) {
            // e.g. a SKIPPED or NOT_RUN stage without details.reason: a check that did not run must say why
            throw RegistryException.invalid(e.getMessage());
        }
        return new StageReport(r.getSubmissionId(), r.getAttempt(), result, s.getService());
    }

    static StatusChange statusChange(TransitionRequest r) {
        return new StatusChange(r.getSubmissionId(), r.getAttempt(), status("status", r.getStatus()), r.getReason(),
                r.getActor());
    }

    static AttemptStart attemptStart(StartAttemptRequest r) {
        return new AttemptStart(r.getSubmissionId(), r.getFromAttempt(), r.getReason(), r.getActor());
    }

    static WriteAck ack(WriteResult w) {
        return WriteAck.newBuilder()
                .setOutcome(switch (w.outcome()) {
                    case APPLIED -> io.airlock.contracts.v1.WriteOutcome.WRITE_OUTCOME_APPLIED;
                    case DUPLICATE -> io.airlock.contracts.v1.WriteOutcome.WRITE_OUTCOME_DUPLICATE;
                    case STALE -> io.airlock.contracts.v1.WriteOutcome.WRITE_OUTCOME_STALE;
                })
                .setStatus(w.status().wire())
                .setAttempt(w.attempt())
                .build();
    }

    static Submission submission(SubmissionDetail d) {
        SubmissionRecord s = d.submission();
        return Submission.newBuilder()
                .setSubmissionId(s.id())
                .setKind(Protos.toProto(s.kind()))
                .setName(s.name())
                .setArtifact(ArtifactRef.newBuilder().setBlob(s.blob()).setSize(s.size()).setFilename(s.filename()))
                .setSourceUrl(s.sourceUrl())
                .setExpectedSha256(s.expectedSha256())
                .setStatus(s.status().wire())
                .setAttempt(s.attempt())
                .setPrecheck(s.precheck())
                .setCreatedAt(s.createdAt().toString())
                .setUpdatedAt(s.updatedAt().toString())
                .setSha256(s.sha256())
                .setSignatureBlob(s.signatureBlob())
                .setSubmitter(s.submitter())
                .setTask(s.task())
                .setTaskDigest(s.taskDigest())
                .addAllStages(d.stages().stream().map(ProtoMapper::stage).toList())
                .addAllHistory(d.history().stream().map(ProtoMapper::event).toList())
                .build();
    }

    static ListEventsResponse events(EventsSince e) {
        return ListEventsResponse.newBuilder()
                .addAllEvents(e.events().stream().map(ProtoMapper::event).toList())
                .setStatus(e.status().wire())
                .setTerminal(e.terminal())
                .build();
    }

    private static Event event(RegistryEvent e) {
        Event.Builder b = Event.newBuilder().setSeq(e.seq()).setAttempt(e.attempt()).setAt(e.at().toString());
        if (e instanceof RegistryEvent.StatusEvent s) {
            return b.setType("status").setStatus(s.status().wire()).setReason(s.reason()).setActor(s.actor()).build();
        }
        RegistryEvent.StageEvent stage = (RegistryEvent.StageEvent) e;
        // a stage event's actor is the service that recorded it
        return b.setType("stage").setStage(stage(stage)).setActor(stage.service()).build();
    }

    private static io.airlock.contracts.v1.StageResult stage(RegistryEvent.StageEvent s) {
        return Protos.toProto(s.result()).toBuilder().setService(s.service()).setAttempt(s.attempt()).build();
    }

    private static List<Finding> findings(List<io.airlock.contracts.v1.Finding> list) {
        for (var f : list) {
            if (f.getRule().isBlank()) {
                throw RegistryException.invalid("every finding needs a rule id");
            }
        }
        // an unset or unknown severity reads as CRITICAL (Protos): never as harmless
        return Protos.findingsFromProto(list);
    }

    private static Kind kind(io.airlock.contracts.v1.Kind k) {
        return switch (k) {
            case KIND_MODEL -> Kind.MODEL;
            case KIND_KERNEL -> Kind.KERNEL;
            default -> throw RegistryException.invalid("kind must be KIND_MODEL or KIND_KERNEL, got " + k);
        };
    }

    private static SubmissionStatus status(String field, String text) {
        if (text.isBlank()) {
            throw RegistryException.invalid(field + " is required");
        }
        try {
            return SubmissionStatus.parse(text);
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalid(field + ": " + e.getMessage() + ", expected one of "
                    + Arrays.stream(SubmissionStatus.values()).map(SubmissionStatus::wire).toList());
        }
    }
}
