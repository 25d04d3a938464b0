package io.airlock.registry.submission.service;

import io.airlock.registry.common.RegistryException;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.SubmissionStatus;

import java.util.List;
import java.util.Objects;

/**
 * A submission to record (CreateSubmission). Key: {@code id}.
 *
 * @param initialStatus RECEIVED; QUEUED for one accepted in one call (recorded as received, then queued); or
 *                      HACKED when the precheck blocked it
 * @param reason        the reason of the first history row; for QUEUED, of the move to queued
 * @param precheck      what the precheck did: "passed", "blocked", "skipped (reason)", "disabled"
 * @param actor         who created it; "gateway" when not given
 * @param submitter     the user it belongs to (the token's subject at the gateway); "" for none
 * @param task          kernels: the task it names, "" for none
 * @param taskDigest    kernels: the digest of the task version pinned at submission ("" with no task)
 */
public record NewSubmission(String id, Kind kind, String name, String filename, String blob, long size,
                            String sourceUrl, String expectedSha256, boolean hasSignature,
                            SubmissionStatus initialStatus, String precheck, List<Finding> precheckFindings,
                            String reason, String actor, String signatureBlob, String submitter,
                            String task, String taskDigest) {
    public NewSubmission {
        Checks.submissionId(id);
        Objects.requireNonNull(kind, "kind");
        if (blob == null || !Checks.BLOB.matcher(blob).matches()) {
            throw RegistryException.invalid("artifact.blob '" + blob + "' is not a content address sha256:<64 hex>");
        }
        if (size < 0) {
            throw RegistryException.invalid("artifact.size must be >= 0, got " + size);
        }
        if (initialStatus != SubmissionStatus.RECEIVED && initialStatus != SubmissionStatus.QUEUED
                && initialStatus != SubmissionStatus.HACKED) {
            throw RegistryException.invalid("initial_status must be received, queued or hacked, got "
                    + initialStatus.wire());
        }
        name = Checks.text(name);
        filename = Checks.text(filename);
        sourceUrl = Checks.text(sourceUrl);
        expectedSha256 = Checks.text(expectedSha256);
        precheck = Checks.text(precheck);
        precheckFindings = List.copyOf(precheckFindings);
        reason = Checks.text(reason);
        actor = Checks.text(actor).isBlank() ? "gateway" : actor;
        signatureBlob = Checks.text(signatureBlob);
        submitter = Checks.text(submitter);
        task = Checks.text(task);
        taskDigest = Checks.text(taskDigest);
        if (task.isEmpty() != taskDigest.isEmpty() || (!taskDigest.isEmpty() && !Checks.BLOB.matcher(taskDigest).matches())) {
            throw RegistryException.invalid("task and task_digest come together; task_digest is sha256:<64 hex>");
        }
        if (!task.isEmpty() && kind != Kind.KERNEL) {
            throw RegistryException.invalid("only kernel submissions name a task");
        }
        if (!signatureBlob.isEmpty() && !Checks.BLOB.matcher(signatureBlob).matches()) {
            throw RegistryException.invalid("signature_blob '" + signatureBlob + "' is not a content address sha256:<64 hex>");
        }
    }

    /** The hex digest of the content address. */
    public String sha256() {
        return blob.substring("sha256:".length());
    }
}
