package io.airlock.evaluator.engine.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The behavioral test of a kernel submission against its task: runs the judge ({@code judge.py}, trusted
 * Python shipped in this jar) which holds the secret seeds, inputs, clock and checker, and starts the
 * submission in a sandboxed worker ({@code worker.py} under bubblewrap). This class only launches the
 * judge and turns its report into the {@code behavioral_test} stage; it never runs submission code.
 *
 * <p>Outcomes: PASS; FAIL (wrong output, a kernel that raised, timed out or did not load); HACKED (what
 * the judge saw the worker do to it: output changed after the clock, a forged channel, a forbidden system
 * call), reported as FAIL with {@code details.outcome=hacked} and CRITICAL findings; NOT_RUN with the
 * judge's reason (no sandbox, no torch, a device the task or code needs and this machine lacks); ERROR.
 */
public final class KernelJudge {
    public static final String STAGE = "behavioral_test";
    private static final long MAX_REPORT = 4L << 20;
    private static final String RES = "/io/airlock/evaluator/engine/kernel/";

    /**
     * @param python        the interpreter with torch for the judge and the worker (not the first python on PATH:
     *                      it may lack torch)
     * @param timeout       the whole judge run; the judge is killed after it plus a grace period
     * @param reps          timed calls per benchmark (after one warm-up call)
     * @param checkFraction share of each benchmark's calls checked, drawn after the batch
     * @param settleSeconds wait before the final re-read of every output
     */
    public record Options(String python, Duration timeout, int reps, double checkFraction, double settleSeconds) {
        public Options {
            Objects.requireNonNull(python, "python");
            Objects.requireNonNull(timeout, "timeout");
            if (reps < 1 || checkFraction <= 0 || checkFraction > 1 || settleSeconds < 0 || timeout.toSeconds() < 10) {
                throw new IllegalArgumentException("bad kernel judge options");
            }
        }

        public static Options defaults() {
            return new Options("/usr/bin/python3", Duration.ofMinutes(5), 5, 0.5, 0.2);
        }
    }

    private final Options options;
    private final ObjectMapper json = new ObjectMapper();

    public KernelJudge(Options options) {
        this.options = options;
    }

    /** One submission (a Python file) and the folder of the task it names. */
    public record Job(Path submission, Path taskDir) {
    }

    /** Judges {@code submission} (a Python file) against the task in {@code taskDir}. */
    public StageResult judge(Path submission, Path taskDir) {
        return judgeAll(List.of(new Job(submission, taskDir))).get(0);
    }

    /**
     * Judges several submissions with one judge process (it imports torch once); each still gets a fresh
     * worker and sandbox. The results are in the order of the jobs.
     */
    public List<StageResult> judgeAll(List<Job> jobs) {
        long start = System.nanoTime();
        StageResult[] results = new StageResult[jobs.size()];
        List<Integer> runnable = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            Path taskDir = jobs.get(i).taskDir();
            if (!Files.isRegularFile(taskDir.resolve("task.yml"), LinkOption.NOFOLLOW_LINKS)
                    || !Files.isRegularFile(taskDir.resolve("reference.py"), LinkOption.NOFOLLOW_LINKS)) {
                results[i] = StageResult.notRun(STAGE, "no task at " + taskDir + " (task.yml and reference.py are needed)");
            } else if (!Files.isExecutable(Path.of(options.python()))) {
                results[i] = StageResult.notRun(STAGE, "no judge interpreter at " + options.python());
            } else {
                runnable.add(i);
            }
        }
        if (runnable.isEmpty()) {
            return List.of(results);
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("airlock-kernel-judge-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (String name : List.of("judge.py", "worker.py")) {
                try (InputStream in = KernelJudge.class.getResourceAsStream(RES + name)) {
                    Files.copy(Objects.requireNonNull(in, name), tmp.resolve(name));
                }
            }
            var batch = json.createArrayNode();
            for (int i : runnable) {
                batch.addObject().put("task", jobs.get(i).taskDir().toAbsolutePath().toString())
                        .put("submission", jobs.get(i).submission().toAbsolutePath().toString())
                        .put("report", tmp.resolve("report-" + i + ".json").toString());
            }
            json.writeValue(tmp.resolve("batch.json").toFile(), batch);
            List<String> cmd = List.of(options.python(), "-I", tmp.resolve("judge.py").toString(),
                    "--batch", tmp.resolve("batch.json").toString(),
                    "--harness", tmp.toString(), "--python", options.python(),
                    "--reps", Integer.toString(options.reps()),
                    "--check-fraction", Double.toString(options.checkFraction()),
                    "--settle", Double.toString(options.settleSeconds()),
                    "--timeout", Long.toString(options.timeout().toSeconds()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("judge.log").toFile()).start();
            long budget = (options.timeout().toSeconds() + 30) * runnable.size();
            boolean finished = p.waitFor(budget, TimeUnit.SECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            for (int i : runnable) {
                Path report = tmp.resolve("report-" + i + ".json");
                if (Files.isRegularFile(report) && Files.size(report) <= MAX_REPORT) {
                    JsonNode node = json.readTree(report.toFile());
                    results[i] = toStage(node, node.path("durationMs").asLong() * 1000);
                } else {
                    results[i] = error(start, finished ? "the judge wrote no report (exit " + p.exitValue() + "): "
                            + tail(tmp.resolve("judge.log")) : "the judge did not finish within its time; killed");
                }
            }
            return List.of(results);
        } catch (IOException e) {
            return fill(results, error(start, "could not run the judge: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fill(results, error(start, "interrupted"));
        } finally {
            delete(tmp);
        }
    }

    private static List<StageResult> fill(StageResult[] results, StageResult with) {
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                results[i] = with;
            }
        }
        return List.of(results);
    }

    /** The judge's report as the behavioral_test stage. Package-private for tests of the mapping. */
    static StageResult toStage(JsonNode r, long micros) {
        String outcome = r.path("outcome").asText("ERROR");
        String reason = r.path("reason").asText("");
        Map<String, String> d = new LinkedHashMap<>();
        d.put("outcome", outcome.toLowerCase(Locale.ROOT));
        d.put("reason", reason);
        d.put("judge", r.path("schema").asText(""));
        put(d, "device", r.path("device"));
        put(d, "deviceReason", r.path("deviceReason"));
        put(d, "torch", r.path("torch"));
        put(d, "taskDigest", r.path("task").path("digest"));
        put(d, "durationMs", r.path("durationMs"));
        put(d, "scratchFiles", r.path("scratchFiles"));
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("observed").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            d.put("observed." + e.getKey(), e.getValue().asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("isolation").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            d.put("isolation." + e.getKey(), e.getValue().asText());
        }
        JsonNode cal = r.path("calibration");
        if (!cal.isMissingNode()) {
            d.put("calibration", cal.path("method").asText() + ": " + cal.path("noopMedianNs").toString() + " ns");
        }
        List<String> notes = new ArrayList<>();
        r.path("notes").forEach(n -> notes.add(n.asText()));
        if (!notes.isEmpty()) {
            d.put("notes", String.join("; ", notes));
        }
        int n = 0;
        for (JsonNode c : r.path("cases")) {
            String key = String.format(Locale.ROOT, "case.%02d", n++);
            StringBuilder s = new StringBuilder(c.path("kind").asText()).append(' ').append(c.path("index").asInt())
                    .append(' ').append(c.path("args").toString()).append(": ")
                    .append(c.path("correct").asBoolean() ? "correct" : "WRONG " + c.path("message").asText());
            s.append(", checked ").append(c.path("checked").asInt()).append(" of ").append(c.path("calls").asInt());
            if (c.has("medianNs")) {
                s.append(String.format(Locale.ROOT, ", judge median %.3f ms (no-op %.3f ms, kernel %.3f ms); %s",
                        c.path("medianNs").asLong() / 1e6, c.path("noopNs").asLong() / 1e6,
                        c.path("kernelMedianNs").asLong() / 1e6, c.path("detection").asText()));
            } else {
                s.append(String.format(Locale.ROOT, ", %.3f ms", c.path("ns").asLong() / 1e6));
            }
            d.put(key, s.toString());
        }
        String log = r.path("workerLog").asText("");
        if (!log.isBlank()) {
            d.put("workerLog", log.length() > 1000 ? log.substring(log.length() - 1000) : log);
        }
        List<Finding> findings = new ArrayList<>();
        for (JsonNode f : r.path("findings")) {
            Severity sev = "CRITICAL".equals(f.path("severity").asText()) ? Severity.CRITICAL : Severity.HIGH;
            findings.add(new Finding(f.path("rule").asText("kernel.unknown"), sev, STAGE, "",
                    f.path("message").asText(), f.path("evidence").asText()));
        }
        StageStatus status = switch (outcome) {
            case "PASS" -> StageStatus.PASS;
            case "FAIL", "HACKED" -> StageStatus.FAIL;
            case "NOT_RUN" -> StageStatus.NOT_RUN;
            default -> StageStatus.ERROR;
        };
        if (status == StageStatus.ERROR && r.has("trace")) {
            d.put("trace", r.path("trace").asText());
        }
        if (status == StageStatus.FAIL && findings.isEmpty()) {  // a failure always names why
            findings.add(new Finding("kernel.failed", Severity.HIGH, STAGE, "", reason, ""));
        }
        return new StageResult(STAGE, status, micros, findings, d);
    }

    /** True when the stage says the judge saw tampering (the submission is then {@code hacked}, not rejected). */
    public static boolean hacked(StageResult stage) {
        return STAGE.equals(stage.stage()) && "hacked".equals(stage.details().get("outcome"));
    }

    private static void put(Map<String, String> d, String key, JsonNode v) {
        if (!v.isMissingNode() && !v.isNull()) {
            d.put(key, v.asText());
        }
    }

    private static StageResult error(long start, String why) {
        return new StageResult(STAGE, StageStatus.ERROR, micros(start), List.of(), Map.of("reason", why));
    }

    private static long micros(long start) {
        return (System.nanoTime() - start) / 1000;
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 1500 ? s.substring(s.length() - 1500) : s;
        } catch (IOException e) {
            return "";
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless; the judge removed the worker's own files
        }
    }
}
