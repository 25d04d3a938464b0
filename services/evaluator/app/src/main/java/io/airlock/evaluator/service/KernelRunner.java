package io.airlock.evaluator.service;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.contracts.WorkItem;
import io.airlock.contracts.v1.GetTaskBundleRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.evaluator.engine.kernel.KernelJudge;
import io.airlock.evaluator.service.EvalWorker.BehavioralPolicy;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.TaskBundle;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The behavioral test of kernel submissions: fetches the task version the submission pinned at the gateway
 * from the registry (by name and digest, over gRPC with the evaluator's service token), checks the files'
 * digest itself, unpacks them into a private folder and runs the kernel judge (a judge process with the
 * secret seeds, inputs, clock and checker; the submission in a sandboxed worker). A kernel that named no
 * task is NOT_RUN and says so. There is no task folder in the configuration: every judged task is a
 * registered version, so what ran is what the submission record names.
 */
@ApplicationScoped
public class KernelRunner {

    @Inject
    EvaluatorConfig config;
    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;

    /** The behavioral_test stage of the kernel in {@code file}, against the task {@code item} pinned. */
    public StageResult judge(Path file, WorkItem item) {
        BehavioralPolicy policy = BehavioralPolicy.fromString(config.kernelBehavioralTest());
        if (policy == BehavioralPolicy.OFF) {
            return StageResult.notRun(KernelJudge.STAGE, "kernel behavioral test switched off "
                    + "(airlock.evaluator.kernel-behavioral-test=off)");
        }
        if (item.taskDigest().isEmpty()) {
            return StageResult.notRun(KernelJudge.STAGE, "no behavioral test ran: the submission named no task "
                    + "(submit it with --task NAME; airlock task list shows the registered ones)");
        }
        long t0 = System.nanoTime();
        byte[] tar;
        try {
            tar = registry.withDeadlineAfter(config.registryDeadline().toMillis(), TimeUnit.MILLISECONDS)
                    .getTaskBundle(GetTaskBundleRequest.newBuilder().setName(item.task()).setDigest(item.taskDigest())
                            .build()).getTar().toByteArray();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return error(t0, item, "the registry has no task version " + item.task() + "@" + item.taskDigest());
            }
            throw e;  // unavailable: the message is redelivered
        }
        TaskBundle bundle;
        try {
            bundle = TaskBundle.read(new java.io.ByteArrayInputStream(tar));
        } catch (IOException | FormatViolation e) {
            return error(t0, item, "the task's files from the registry do not read as a task: " + e.getMessage());
        }
        // the registry is trusted to serve what was registered, and this checks it did: another digest is not
        // the task the submission pinned, whatever went wrong on the way
        if (!bundle.digest().equals(item.taskDigest())) {
            return error(t0, item, "the task's files from the registry have digest " + bundle.digest()
                    + ", not the pinned " + item.taskDigest());
        }
        Path dir = null;
        try {
            dir = unpack(bundle);
            KernelJudge.Options d = KernelJudge.Options.defaults();
            StageResult r = new KernelJudge(new KernelJudge.Options(config.kernelPython(), config.kernelJudgeTimeout(),
                    d.reps(), d.checkFraction(), d.settleSeconds())).judge(file, dir);
            return withTask(r, item);
        } catch (IOException e) {
            return error(t0, item, "could not unpack the task: " + e.getMessage());
        } finally {
            delete(dir);
        }
    }

    /** The bundle's files in a new folder only this process's user can read (names are plain: TaskBundle checked). */
    static Path unpack(TaskBundle bundle) throws IOException {
        Path dir = Files.createTempDirectory("airlock-task-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (Map.Entry<String, byte[]> f : bundle.files().entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        return dir;
    }

    private static StageResult withTask(StageResult r, WorkItem item) {
        Map<String, String> d = new TreeMap<>(r.details());
        d.put("task", item.task());
        d.put("taskVersionDigest", item.taskDigest());
        return new StageResult(r.stage(), r.status(), r.durationMicros(), r.findings(), d);
    }

    private static StageResult error(long t0, WorkItem item, String why) {
        return withTask(new StageResult(KernelJudge.STAGE, StageStatus.ERROR, (System.nanoTime() - t0) / 1000,
                List.of(), Map.of("reason", why)), item);
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a private temp folder left behind holds only the task's files
        }
    }

    /**
     * What a kernel's behavioral test means for its submission, under the policy; {@code unproven}: admitted
     * without the behavioral proof (NOT_RUN or SKIPPED under if-runnable or off).
     */
    record Decision(SubmissionStatus status, String reason, boolean unproven) {
        Decision(SubmissionStatus status, String reason) {
            this(status, reason, false);
        }
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
                    + "; policy " + policy.name().toLowerCase().replace('_', '-') + ")", true);
        };
    }

    private static String first(StageResult stage) {
        return stage.findings().stream().findFirst().map(f -> f.rule() + " - " + f.message())
                .orElse(stage.details().getOrDefault("reason", "failed"));
    }
}
