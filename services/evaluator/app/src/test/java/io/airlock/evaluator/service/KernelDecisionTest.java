package io.airlock.evaluator.service;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.WorkItem;
import io.airlock.formats.TaskBundle;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.evaluator.engine.kernel.KernelJudge;
import io.airlock.evaluator.service.EvalWorker.BehavioralPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a kernel's behavioral test means for its submission: admitted, rejected, hacked or failed, by policy. */
class KernelDecisionTest {
    static StageResult stage(StageStatus status, String outcome, Finding... findings) {
        return new StageResult(KernelJudge.STAGE, status, 1, List.of(findings),
                Map.of("outcome", outcome, "reason", "because"));
    }

    @Test
    void tamperingSeenByTheJudgeIsHackedAndWrongOutputRejected() {
        var deferred = new Finding("kernel.deferred_work", Severity.CRITICAL, KernelJudge.STAGE, "", "changed", "");
        var wrong = new Finding("kernel.wrong_output", Severity.HIGH, KernelJudge.STAGE, "", "values differ", "");
        assertThat(KernelRunner.decide(stage(StageStatus.FAIL, "hacked", deferred), BehavioralPolicy.IF_RUNNABLE).status())
                .isEqualTo(SubmissionStatus.HACKED);
        KernelRunner.Decision d = KernelRunner.decide(stage(StageStatus.FAIL, "fail", wrong), BehavioralPolicy.IF_RUNNABLE);
        assertThat(d.status()).isEqualTo(SubmissionStatus.REJECTED);
        assertThat(d.reason()).contains("kernel.wrong_output");
        assertThat(KernelRunner.decide(stage(StageStatus.PASS, "pass"), BehavioralPolicy.REQUIRED).status())
                .isEqualTo(SubmissionStatus.ADMITTED);
        assertThat(KernelRunner.decide(stage(StageStatus.ERROR, "error"), BehavioralPolicy.IF_RUNNABLE).status())
                .isEqualTo(SubmissionStatus.FAILED);
    }

    @Test
    void aTestThatDidNotRunIsAdmittedUnprovenOrRejectedWhenRequired() {
        StageResult notRun = StageResult.notRun(KernelJudge.STAGE, "the submission needs a CUDA device");
        KernelRunner.Decision lenient = KernelRunner.decide(notRun, BehavioralPolicy.IF_RUNNABLE);
        assertThat(lenient.status()).isEqualTo(SubmissionStatus.ADMITTED);
        assertThat(lenient.reason()).contains("unproven").contains("needs a CUDA device");
        KernelRunner.Decision strict = KernelRunner.decide(notRun, BehavioralPolicy.REQUIRED);
        assertThat(strict.status()).isEqualTo(SubmissionStatus.REJECTED);
        assertThat(strict.reason()).contains("required by policy but not run");
    }

    @Test
    void theKernelRunnerStreamSaysUnprovenForAnAdmissionWithoutTheBehavioralProof() {
        WorkItem item = new WorkItem("s1", 1, Kind.KERNEL, "k", "sha256:" + "a".repeat(64), 10, "k.py", "", "", "")
                .withTask("vectoradd_py", "sha256:" + "b".repeat(64));
        Map<String, String> notRun = EvalWorker.proof(KernelRunner.decide(StageResult.notRun(KernelJudge.STAGE,
                "the submission named no task"), BehavioralPolicy.IF_RUNNABLE), item);
        assertThat(notRun).containsEntry("proof", "unproven").containsEntry("taskDigest", "sha256:" + "b".repeat(64));
        assertThat(notRun.get("proofReason")).contains("unproven").contains("named no task");
        Map<String, String> off = EvalWorker.proof(KernelRunner.decide(StageResult.notRun(KernelJudge.STAGE,
                "switched off"), BehavioralPolicy.OFF), item);
        assertThat(off).containsEntry("proof", "unproven");
        Map<String, String> judged = EvalWorker.proof(KernelRunner.decide(stage(StageStatus.PASS, "pass"),
                BehavioralPolicy.IF_RUNNABLE), item);
        assertThat(judged).containsEntry("proof", "judged");
    }

    @Test
    void aFetchedTaskIsUnpackedIntoAPrivateFolderWithExactlyItsFiles() throws Exception {
        TaskBundle bundle = TaskBundle.of(Map.of("task.yml", "lang: py\n".getBytes(), "reference.py", "x = 1\n".getBytes()));
        java.nio.file.Path dir = KernelRunner.unpack(bundle);
        try {
            assertThat(java.nio.file.Files.getPosixFilePermissions(dir))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            try (var list = java.nio.file.Files.list(dir)) {
                assertThat(list.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("task.yml", "reference.py");
            }
            assertThat(java.nio.file.Files.readString(dir.resolve("reference.py"))).isEqualTo("x = 1\n");
        } finally {
            for (String f : bundle.files().keySet()) {
                java.nio.file.Files.deleteIfExists(dir.resolve(f));
            }
            java.nio.file.Files.delete(dir);
        }
    }

    @Test
    void theEvaluatorMayAdmitOrMarkHackedFromEvaluating() {
        assertThat(SubmissionStatus.EVALUATING.canMoveTo(SubmissionStatus.ADMITTED)).isTrue();
        assertThat(SubmissionStatus.EVALUATING.canMoveTo(SubmissionStatus.HACKED)).isTrue();
    }
}
