package io.airlock.contracts.grpc;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.v1.FindingOrBuilder;

import java.util.List;
import java.util.Locale;

/** Conversions between the shared records and their gRPC v1 messages. One place, both directions. */
public final class Protos {
    private Protos() {
    }

    public static io.airlock.contracts.v1.Severity toProto(Severity s) {
        return io.airlock.contracts.v1.Severity.valueOf("SEVERITY_" + s.name());
    }

    public static Severity fromProto(io.airlock.contracts.v1.Severity s) {
        if (s == io.airlock.contracts.v1.Severity.SEVERITY_UNSPECIFIED || s == io.airlock.contracts.v1.Severity.UNRECOGNIZED) {
            // an unknown severity from a newer peer must not read as harmless
            return Severity.CRITICAL;
        }
        return Severity.valueOf(s.name().substring("SEVERITY_".length()));
    }

    public static io.airlock.contracts.v1.Kind toProto(Kind k) {
        return io.airlock.contracts.v1.Kind.valueOf("KIND_" + k.name());
    }

    public static Kind fromProto(io.airlock.contracts.v1.Kind k) {
        return switch (k) {
            case KIND_MODEL -> Kind.MODEL;
            case KIND_KERNEL -> Kind.KERNEL;
            default -> throw new IllegalArgumentException("kind not set");
        };
    }

    public static io.airlock.contracts.v1.Finding toProto(Finding f) {
        return io.airlock.contracts.v1.Finding.newBuilder()
                .setRule(f.rule())
                .setSeverity(toProto(f.severity()))
                .setStage(f.stage())
                .setLocation(f.location())
                .setMessage(f.message())
                .setEvidence(f.evidence())
                .build();
    }

    public static Finding fromProto(FindingOrBuilder f) {
        return new Finding(f.getRule(), fromProto(f.getSeverity()), f.getStage(), f.getLocation(), f.getMessage(),
                f.getEvidence());
    }

    public static List<Finding> findingsFromProto(List<io.airlock.contracts.v1.Finding> list) {
        return list.stream().map(Protos::fromProto).toList();
    }

    public static io.airlock.contracts.v1.StageResult toProto(StageResult r) {
        return io.airlock.contracts.v1.StageResult.newBuilder()
                .setStage(r.stage())
                .setStatus(r.status().name())
                .setDurationMicros(r.durationMicros())
                .addAllFindings(r.findings().stream().map(Protos::toProto).toList())
                .putAllDetails(r.details())
                .build();
    }

    public static StageResult fromProto(io.airlock.contracts.v1.StageResult r) {
        return new StageResult(r.getStage(), StageStatus.valueOf(r.getStatus().toUpperCase(Locale.ROOT)),
                r.getDurationMicros(), findingsFromProto(r.getFindingsList()), r.getDetailsMap());
    }
}
