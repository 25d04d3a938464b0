package io.airlock.evaluator.engine.kernel;

import io.airlock.contracts.Finding;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behavioral proof: real submissions run by the real judge in the real sandbox (bubblewrap, Debian's
 * CPU torch). Each cheat sample under {@code kernel-samples/<family>/} declares its task and the outcome
 * the judge must reach ({@code # expect: FAIL rule}, {@code HACKED rule}, {@code SLOW ms} for a timer
 * patch whose kernel really sleeps: the judge's clock must still see it, {@code PASS}, {@code NOT_RUN}).
 * Skipped with the reason when torch or bubblewrap is missing, except under CI=true, where .ci/run
 * installs both and a skip would hide a lost proof.
 */
class KernelJudgeTest {
    static final Path ROOT = repoRoot();
    static final Path SAMPLES = ROOT.resolve("services/evaluator/engine/src/test/resources/kernel-samples");
    static final Path TASKS = ROOT.resolve("examples/tasks");
    static final KernelJudge JUDGE = new KernelJudge(
            new KernelJudge.Options("/usr/bin/python3", Duration.ofMinutes(4), 2, 0.5, 0.15));
    static final Pattern TASK = Pattern.compile("^# task: (\\S+)$", Pattern.MULTILINE);
    static final Pattern EXPECT = Pattern.compile("^# expect: (PASS|NOT_RUN|FAIL|HACKED|SLOW)(?: (\\S+))?$",
            Pattern.MULTILINE);
    /** The families of the proof table in docs/KERNEL-JUDGE.md, each with at least three cheats. */
    static final List<String> FAMILIES = List.of("timer", "harness", "replay", "identity", "mutation", "deferred",
            "channel", "seeds", "escape");

    /** Every sample judged once, by one judge process (torch imported once; a fresh sandboxed worker each). */
    static final Map<Path, StageResult> RESULTS = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void judgeEverySampleOnce() throws IOException {
        KernelJudgePrerequisites.assumeOrFailUnderCi();
        List<Path> all = Stream.concat(Stream.concat(cheats(), honest()), samples("notrun")).toList();
        List<KernelJudge.Job> jobs = new java.util.ArrayList<>();
        for (Path p : all) {
            jobs.add(new KernelJudge.Job(p, TASKS.resolve(taskOf(p))));
        }
        List<StageResult> results = JUDGE.judgeAll(jobs);
        for (int i = 0; i < all.size(); i++) {
            RESULTS.put(all.get(i), results.get(i));
        }
    }

    static String taskOf(Path sample) throws IOException {
        return sample.getFileName().toString().equals("submission.py")
                ? sample.getParent().getFileName().toString() : expectation(sample).task();
    }

    static Stream<Path> cheats() throws IOException {
        return FAMILIES.stream().flatMap(KernelJudgeTest::samples);
    }

    static Stream<Path> honest() throws IOException {
        Stream<Path> examples;
        try (Stream<Path> s = Files.list(TASKS)) {
            examples = s.map(t -> t.resolve("submission.py")).filter(Files::isRegularFile).sorted().toList().stream();
        }
        return Stream.concat(examples, samples("honest"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cheats")
    void everyCheatSampleFailsWithItsReason(Path sample) throws IOException {
        Expectation e = expectation(sample);
        StageResult r = RESULTS.get(sample);
        String seen = r.status() + " " + r.details().get("outcome") + " " + r.details().get("reason")
                + r.findings().stream().map(Finding::rule).toList();
        switch (e.outcome()) {
            case "FAIL" -> {
                assertThat(r.status()).as(seen).isEqualTo(StageStatus.FAIL);
                assertThat(r.details()).as(seen).containsEntry("outcome", "fail");
                assertThat(r.findings()).as(seen).extracting(Finding::rule).contains(e.detail());
            }
            case "HACKED" -> {
                assertThat(r.status()).as(seen).isEqualTo(StageStatus.FAIL);
                assertThat(KernelJudge.hacked(r)).as(seen).isTrue();
                assertThat(r.findings()).as(seen).extracting(Finding::rule).contains(e.detail());
                assertThat(r.findings()).as(seen).allSatisfy(f -> assertThat(f.severity().name()).isEqualTo("CRITICAL"));
            }
            case "SLOW" -> {
                // the patch lives in the worker; the judge's clock in another process still sees the sleep
                assertThat(r.status()).as(seen).isEqualTo(StageStatus.PASS);
                double ms = Double.parseDouble(r.details().values().stream()
                        .filter(v -> v.startsWith("benchmark 0 ")).findFirst().orElseThrow()
                        .replaceAll(".*kernel ([0-9.]+) ms.*", "$1"));
                assertThat(ms).as(seen).isGreaterThanOrEqualTo(Double.parseDouble(e.detail()));
            }
            default -> throw new AssertionError("a cheat must expect FAIL, HACKED or SLOW: " + sample);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void honestKernelsPass(Path sample) throws IOException {
        StageResult r = RESULTS.get(sample);
        assertThat(r.status()).as(r.details().toString()).isEqualTo(StageStatus.PASS);
        assertThat(r.findings()).isEmpty();
        assertThat(r.details()).containsEntry("device", "cpu").containsKey("deviceReason")
                .containsKey("isolation.sandbox").containsKey("isolation.seccomp").containsKey("isolation.memory")
                .containsEntry("isolation.network", "none (empty network namespace)");
        assertThat(r.details().get("isolation.uid")).startsWith("65534");
        assertThat(r.details().keySet().stream().filter(k -> k.startsWith("case.")))
                .allSatisfy(k -> assertThat(r.details().get(k)).contains(": correct").contains("\"seed\":\"secret\""));
    }

    @Test
    void codeThatNeedsCudaIsNotRunOnACpuJudgeWithTheReason() throws IOException {
        StageResult r = RESULTS.get(SAMPLES.resolve("notrun/needs_cuda_triton.py"));
        assertThat(r.status()).isEqualTo(StageStatus.NOT_RUN);
        assertThat(r.details().get("reason")).contains("needs a CUDA device").contains("imports Triton")
                .contains("no CUDA device");
    }

    @Test
    void tasksTheJudgeCannotRunAreNotRunWithTheReason(@TempDir Path tmp) throws IOException {
        Path sub = TASKS.resolve("vectoradd_py/submission.py");
        Path multi = copyTask(tmp.resolve("multi"), "multi_gpu: true\n");
        Path cu = copyTask(tmp.resolve("cu"), "").resolve("task.yml");
        Files.writeString(cu, Files.readString(cu).replace("lang: py", "lang: cu"));
        Path cudaOnly = copyTask(tmp.resolve("cudaonly"), "devices: [cuda]\n");
        Path unknown = copyTask(tmp.resolve("unknown"), "surprise: 1\n");
        List<StageResult> r = JUDGE.judgeAll(Stream.of(multi, cu.getParent(), cudaOnly, unknown)
                .map(t -> new KernelJudge.Job(sub, t)).toList());
        assertThat(r.get(0).details().get("reason")).contains("multi-GPU tasks are not supported");
        assertThat(r.get(1).details().get("reason")).contains("lang: cu");
        assertThat(r.get(2).details().get("reason")).contains("runs only on cuda");
        assertThat(r.get(3).details().get("reason")).contains("unknown keys: surprise");
        assertThat(r).extracting(StageResult::status).containsOnly(StageStatus.NOT_RUN);
    }

    @Test
    void everyFamilyHasAtLeastThreeCheats() throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        for (String f : FAMILIES) {
            counts.put(f, samples(f).count());
        }
        assertThat(counts).allSatisfy((f, n) -> assertThat(n).as(f).isGreaterThanOrEqualTo(3));
        String doc = Files.readString(ROOT.resolve("docs/KERNEL-JUDGE.md"));
        for (String f : FAMILIES) {
            samples(f).forEach(s -> assertThat(doc).as("docs/KERNEL-JUDGE.md names " + f + "/" + s.getFileName())
                    .contains(f + "/" + s.getFileName()));
        }
    }

    record Expectation(String task, String outcome, String detail) {
    }

    static Expectation expectation(Path sample) throws IOException {
        String src = Files.readString(sample);
        Matcher t = TASK.matcher(src);
        Matcher e = EXPECT.matcher(src);
        if (!t.find() || !e.find()) {
            throw new AssertionError(sample + " lacks its # task: / # expect: header");
        }
        return new Expectation(t.group(1), e.group(1), e.group(2) == null ? "" : e.group(2));
    }

    static Stream<Path> samples(String family) {
        try (Stream<Path> s = Files.list(SAMPLES.resolve(family))) {
            return s.filter(p -> p.toString().endsWith(".py")).sorted().collect(Collectors.toList()).stream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path copyTask(Path dst, String extraYaml) throws IOException {
        Files.createDirectories(dst);
        Path src = TASKS.resolve("vectoradd_py");
        for (String f : List.of("task.yml", "reference.py", "task.py")) {
            Files.copy(src.resolve(f), dst.resolve(f));
        }
        Files.writeString(dst.resolve("task.yml"), Files.readString(dst.resolve("task.yml")) + extraYaml);
        return dst;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        return p;
    }
}
