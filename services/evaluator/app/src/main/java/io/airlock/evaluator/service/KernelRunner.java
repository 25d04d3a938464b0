package io.airlock.evaluator.service;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.evaluator.engine.kernel.KernelJudge;
import io.airlock.evaluator.service.EvalWorker.BehavioralPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The behavioral test of kernel submissions: finds the task the submission names in the configured
 * task folder and runs the kernel judge (a judge process with the secret seeds, inputs, clock and
 * checker; the submission in a sandboxed worker). Tasks are read from {@code airlock.evaluator.kernel-task-dir}
 * for now; registering them in the registry is not built yet.
 */
@ApplicationScoped
public class KernelRunner {
    private static final Pattern TASK_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

    @Inject
    EvaluatorConfig config;

    /** The behavioral_test stage of the kernel in {@code file} that names the task {@code taskName}. */
    public StageResult judge(Path file, String taskName) {
        BehavioralPolicy policy = BehavioralPolicy.fromString(config.kernelBehavioralTest());
        if (policy == BehavioralPolicy.OFF) {
            return StageResult.notRun(KernelJudge.STAGE, "kernel behavioral test switched off "
                    + "(airlock.evaluator.kernel-behavioral-test=off)");
        }
        Optional<Path> task = task(taskName);
        if (task.isEmpty()) {
            return StageResult.notRun(KernelJudge.STAGE, config.kernelTaskDir().isEmpty()
                    ? "no task folder configured (airlock.evaluator.kernel-task-dir)"
                    : "the submission names no task known to this evaluator (" + (taskName.isBlank() ? "no name"
                    : "'" + clip(taskName) + "'") + ")");
        }
        KernelJudge.Options d = KernelJudge.Options.defaults();
        return new KernelJudge(new KernelJudge.Options(config.kernelPython(), config.kernelJudgeTimeout(), d.reps(),
                d.checkFraction(), d.settleSeconds())).judge(file, task.get());
    }

    Optional<Path> task(String name) {
        if (config.kernelTaskDir().isEmpty() || !TASK_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path dir = Path.of(config.kernelTaskDir().get()).resolve(name);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? Optional.of(dir) : Optional.empty();
    }

    /** What a kernel's behavioral test means for its submission, under the policy. */
    record Decision(SubmissionStatus status, String reason) {
    }

    static Decision decide(StageResult stage, BehavioralPolicy policy) {
        String reason = stage.details().getOrDefault("reason", "");
        return switch (stage.status()) {
            case PASS -> new Decision(SubmissionStatus.ADMITTED, "behavioral test passed: " + reason);
            case ERROR -> new Decision(SubmissionStatus.FAILED, "behavioral_test: evaluator error: " + reason);
            case FAIL -> KernelJudge.hacked(stage)
                    ? new Decision(SubmissionStatus.HACKED, "behavioral_test: tampering seen by the judge: "
                    + first(stage))
                    : new Decision(SubmissionStatus.REJECTED, "behavioral_test: " + first(stage));
            case NOT_RUN, SKIPPED -> policy == BehavioralPolicy.REQUIRED
                    ? new Decision(SubmissionStatus.REJECTED, "behavioral test required by policy but not run: " + reason)
                    : new Decision(SubmissionStatus.ADMITTED, "admitted unproven (no behavioral test: " + reason
                    + "; policy " + policy.name().toLowerCase().replace('_', '-') + ")");
        };
    }

    private static String first(StageResult stage) {
        return stage.findings().stream().findFirst().map(f -> f.rule() + " - " + f.message())
                .orElse(stage.details().getOrDefault("reason", "failed"));
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
