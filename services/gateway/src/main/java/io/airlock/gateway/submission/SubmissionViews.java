package io.airlock.gateway.submission;

import io.airlock.contracts.grpc.Protos;
import io.airlock.contracts.v1.Event;
import io.airlock.contracts.v1.Submission;

import java.util.List;
import java.util.Map;

/** JSON shapes of the gateway's read API, built from the registry's gRPC messages. */
public final class SubmissionViews {
    private SubmissionViews() {
    }

    public record Accepted(String id, String status, String precheck, String sha256, long size, String statusUrl,
                           String eventsUrl) {
    }

    public record FindingView(String rule, String severity, String stage, String location, String message,
                              String evidence) {
        static FindingView of(io.airlock.contracts.v1.Finding f, boolean withEvidence) {
            var r = Protos.fromProto(f);
            return new FindingView(r.rule(), r.severity().name(), r.stage(), r.location(), r.message(),
                    withEvidence ? r.evidence() : null);
        }
    }

    /** One stage; {@code attempt} says which scan run recorded it (0 where the source does not say). */
    public record StageView(String stage, String status, double durationMs, List<FindingView> findings,
                            Map<String, String> details, int attempt) {
        static StageView of(io.airlock.contracts.v1.StageResult s) {
            return new StageView(s.getStage(), s.getStatus(), s.getDurationMicros() / 1000.0,
                    s.getFindingsList().stream().map(f -> FindingView.of(f, true)).toList(), s.getDetailsMap(),
                    s.getAttempt());
        }
    }

    public record EventView(long seq, String type, int attempt, String status, String reason, StageView stage,
                            String at) {
        static EventView of(Event e) {
            return new EventView(e.getSeq(), e.getType(), e.getAttempt(), emptyToNull(e.getStatus()),
                    emptyToNull(e.getReason()), e.hasStage() ? StageView.of(e.getStage()) : null, e.getAt());
        }
    }

    public record SubmissionView(String id, String kind, String name, String filename, String status, int attempt,
                                 String precheck, String blob, long size, String sha256, String sourceUrl,
                                 String expectedSha256, String createdAt, String updatedAt, List<StageView> stages,
                                 List<EventView> history) {
        static SubmissionView of(Submission s) {
            return new SubmissionView(s.getSubmissionId(), Protos.fromProto(s.getKind()).wire(), s.getName(),
                    s.getArtifact().getFilename(), s.getStatus(), s.getAttempt(), s.getPrecheck(),
                    s.getArtifact().getBlob(), s.getArtifact().getSize(), emptyToNull(s.getSha256()),
                    emptyToNull(s.getSourceUrl()), emptyToNull(s.getExpectedSha256()), s.getCreatedAt(),
                    s.getUpdatedAt(), s.getStagesList().stream().map(StageView::of).toList(),
                    s.getHistoryList().stream().map(EventView::of).toList());
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
