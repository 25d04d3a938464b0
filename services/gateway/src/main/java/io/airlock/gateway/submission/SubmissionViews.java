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

    /**
     * One stage; {@code attempt} says which scan run recorded it (0 where the source does not say).
     * Its findings carry their evidence only for a reader who may see it ({@code Caller#seesEvidence}).
     */
    public record StageView(String stage, String status, double durationMs, List<FindingView> findings,
                            Map<String, String> details, int attempt) {
        static StageView of(io.airlock.contracts.v1.StageResult s, boolean withEvidence) {
            return new StageView(s.getStage(), s.getStatus(), s.getDurationMicros() / 1000.0,
                    s.getFindingsList().stream().map(f -> FindingView.of(f, withEvidence)).toList(), s.getDetailsMap(),
                    s.getAttempt());
        }
    }

    public record EventView(long seq, String type, int attempt, String status, String reason, StageView stage,
                            String at) {
        static EventView of(Event e, boolean withEvidence) {
            return new EventView(e.getSeq(), e.getType(), e.getAttempt(), emptyToNull(e.getStatus()),
                    emptyToNull(e.getReason()), e.hasStage() ? StageView.of(e.getStage(), withEvidence) : null, e.getAt());
        }
    }

    public record SubmissionView(String id, String kind, String name, String filename, String status, int attempt,
                                 String precheck, String blob, long size, String sha256, String sourceUrl,
                                 String expectedSha256, String createdAt, String updatedAt, boolean evidenceWithheld,
                                 List<StageView> stages, List<EventView> history) {
        static SubmissionView of(Submission s, boolean withEvidence) {
            return new SubmissionView(s.getSubmissionId(), Protos.fromProto(s.getKind()).wire(), s.getName(),
                    s.getArtifact().getFilename(), s.getStatus(), s.getAttempt(), s.getPrecheck(),
                    s.getArtifact().getBlob(), s.getArtifact().getSize(), emptyToNull(s.getSha256()),
                    emptyToNull(s.getSourceUrl()), emptyToNull(s.getExpectedSha256()), s.getCreatedAt(),
                    s.getUpdatedAt(), !withEvidence, s.getStagesList().stream().map(st -> StageView.of(st, withEvidence)).toList(),
                    s.getHistoryList().stream().map(e -> EventView.of(e, withEvidence)).toList());
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
