package io.airlock.registry;

import io.airlock.contracts.v1.ArtifactRef;
import io.airlock.contracts.v1.CreateSubmissionRequest;
import io.airlock.contracts.v1.Finding;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.Severity;
import io.airlock.contracts.v1.StageResult;
import io.airlock.contracts.v1.StartAttemptRequest;
import io.airlock.contracts.v1.TransitionRequest;

import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** gRPC requests for tests, each submission under a fresh random id so no test needs a clean database. */
final class Requests {
    private Requests() {
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    static String randomBlob() {
        byte[] digest = new byte[32];
        ThreadLocalRandom.current().nextBytes(digest);
        return "sha256:" + HexFormat.of().formatHex(digest);
    }

    static CreateSubmissionRequest create(String id, Kind kind) {
        return CreateSubmissionRequest.newBuilder()
                .setSubmissionId(id)
                .setKind(kind)
                .setName("test " + kind)
                .setArtifact(ArtifactRef.newBuilder().setBlob(randomBlob()).setSize(1234)
                        .setFilename(kind == Kind.KIND_KERNEL ? "submission.py" : "model.onnx"))
                .setInitialStatus("received")
                .setPrecheck("passed")
                .build();
    }

    /** A model submission of the given content address and size (for promotions, whose blob is re-hashed). */
    static CreateSubmissionRequest model(String id, String blob, long size) {
        return create(id, Kind.KIND_MODEL).toBuilder()
                .setArtifact(ArtifactRef.newBuilder().setBlob(blob).setSize(size).setFilename("model.onnx"))
                .build();
    }

    static StartAttemptRequest rescan(String id, int fromAttempt) {
        return StartAttemptRequest.newBuilder().setSubmissionId(id).setFromAttempt(fromAttempt)
                .setReason("rule set v2").setActor("operator:tests").build();
    }

    static CreateSubmissionRequest hacked(String id) {
        return create(id, Kind.KIND_MODEL).toBuilder()
                .setInitialStatus("hacked")
                .setPrecheck("blocked")
                .setReason("blocked by precheck")
                .addPrecheckFindings(Finding.newBuilder().setRule("guard.format_mismatch")
                        .setSeverity(Severity.SEVERITY_HIGH).setMessage("pickle dressed as safetensors")
                        .setEvidence("\\x80\\x02"))
                .build();
    }

    static TransitionRequest transition(String id, int attempt, String status) {
        return TransitionRequest.newBuilder().setSubmissionId(id).setAttempt(attempt).setStatus(status)
                .setReason("test").setActor("tests").build();
    }

    static RecordStageRequest stage(String id, int attempt, String stage, String status) {
        return RecordStageRequest.newBuilder().setSubmissionId(id).setAttempt(attempt)
                .setStage(StageResult.newBuilder().setStage(stage).setStatus(status).setDurationMicros(1500)
                        .putDetails("format", "onnx").setService("scanner"))
                .build();
    }
}
