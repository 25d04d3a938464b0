package io.airlock.evaluator.engine;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.fixtures.onnx.ModelPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IsolatedRunnerTest {
    @TempDir
    Path dir;

    static IsolatedRunner.Limits limits(Duration timeout) {
        return new IsolatedRunner.Limits(timeout, 256L << 20, 1, 120, 0, true, Duration.ofSeconds(60), 0);
    }

    @Test
    void aPackageEvaluatedInAChildJvmReportsWhatWasEnforced() throws IOException {
        Path zip = Files.write(dir.resolve("refusing.zip"), ModelPackages.zip(ModelPackages.refusing(dir.resolve("r"))));
        // RLIMIT_AS caps native memory too; the JVM, ONNX Runtime and the tokenizer need about 3 GiB of address space
        IsolatedRunner.Limits capped = new IsolatedRunner.Limits(Duration.ofSeconds(60), 256L << 20, 1, 120, 4L << 30, true,
                Duration.ofSeconds(60), 0);
        EvalReport r = IsolatedRunner.forCurrentJvm(capped).evaluate(zip, "zip", EvalOptions.defaults());
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).as("%s %s", b, r.isolation()).isEqualTo(StageStatus.PASS);
        assertThat(b.details()).containsEntry("cases", "50").containsEntry("executionProvider", "CPU");
        assertThat(r.runs()).hasSize(1);
        assertThat(r.isolation())
                .containsEntry("mode", "child-jvm")
                .containsEntry("exitCode", "0")
                .containsEntry("environment", "cleared (PATH, LANG, TMPDIR only)")
                .containsKeys("memory", "cpu", "timeout", "childInterfaces");
        assertThat(r.isolation().get("memory"))
                .isEqualTo("heap -Xmx256m; resident not capped by the runner; address space capped at 4294967296 bytes");
        assertThat(Long.parseLong(r.isolation().get("peakResidentBytes"))).isPositive();
        assertThat(r.isolation().get("cpu")).isEqualTo("ActiveProcessorCount=1, intra-op threads 1, RLIMIT_CPU 120 s");
        // no-pretend: "none" only when the child itself saw nothing but loopback
        String net = r.isolation().get("network");
        if (net.startsWith("none")) {
            assertThat(r.isolation().get("childInterfaces")).isEqualTo("lo");
        } else {
            assertThat(net).startsWith("host network: ");
            assertThat(r.isolation().get("childInterfaces")).isNotEqualTo("lo");
        }
    }

    @Test
    void aChildOverItsTimeoutIsKilledAndReportedAsAnErrorNeverAPass() throws IOException {
        // each step of this model takes seconds; the per-prompt limit is far away, the child's is not
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 400);
        EvalOptions o = EvalOptions.defaults().withLimits(Duration.ofMinutes(5), Duration.ofMinutes(10), 8);
        long t0 = System.nanoTime();
        EvalReport r = IsolatedRunner.forCurrentJvm(limits(Duration.ofSeconds(4))).evaluate(slow, "", o);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isBetween(4000L, 15_000L);
        assertThat(r.stages()).noneMatch(s -> s.status() == StageStatus.PASS);
        // the stage of the step the child had reached carries the error (on a loaded machine it may still be loading)
        StageResult b = r.stages().stream().filter(s -> s.status() == StageStatus.ERROR).findFirst().orElseThrow();
        assertThat(b.details().get("reason")).startsWith("the evaluation child exceeded its timeout of 4000 ms and was killed "
                + "(during ");
        assertThat(b.details().get("reason")).endsWith(")").contains(b.details().get("lastStep"));
        assertThat(b.findings().get(0).rule()).isEqualTo("eval.child_timeout");
        assertThat(r.isolation()).containsEntry("killed", "timeout");
        assertThat(r.executionProvider()).isEqualTo("none");
    }

    @Test
    void aChildThatDiesWithoutAReportIsAnError() throws IOException {
        Path pkg = ModelPackages.refusing(dir.resolve("p"));
        // a classpath without the engine: the child JVM starts and exits at once
        EvalReport r = new IsolatedRunner(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                dir.toString(), limits(Duration.ofSeconds(30))).evaluate(pkg, "", EvalOptions.defaults());
        StageResult load = r.stage("model_load").orElseThrow();
        assertThat(load.status()).isEqualTo(StageStatus.ERROR);
        assertThat(load.details().get("reason")).isEqualTo("the evaluation child exited with code 1 without a report");
        assertThat(load.details()).containsEntry("lastStep", "start-up (no step reached)");
        assertThat(load.findings().get(0).rule()).isEqualTo("eval.isolation_failed");
        assertThat(load.findings().get(0).evidence()).contains("ChildMain");
        assertThat(r.stage("behavioral_test").orElseThrow().status()).isEqualTo(StageStatus.NOT_RUN);
    }

    @Test
    void aSessionWhoseGraphFoldsGigabytesOfConstantsIsKilledAtTheMemoryLimit() throws IOException {
        // a few kilobytes of model; ONNX Runtime folds four 256 MiB products while creating the session
        Path folding = ModelPackages.foldingConstants(dir.resolve("folding"), 8192, 4);
        IsolatedRunner.Limits oneGib = new IsolatedRunner.Limits(Duration.ofMinutes(2), 256L << 20, 1, 120, 0, true,
                Duration.ofSeconds(90), 1L << 30);
        long t0 = System.nanoTime();
        EvalReport r = IsolatedRunner.forCurrentJvm(oneGib).evaluate(folding, "", EvalOptions.defaults());
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(60_000);
        StageResult load = r.stage("model_load").orElseThrow();
        assertThat(load.status()).as("%s", r).isEqualTo(StageStatus.ERROR);
        assertThat(load.findings().get(0).rule()).isEqualTo("eval.memory_limit");
        assertThat(load.details().get("reason")).contains("over its limit of 1073741824, during model_load: session model.onnx");
        assertThat(r.isolation()).containsEntry("killed", "memory");
        assertThat(Long.parseLong(r.isolation().get("peakResidentBytes"))).isGreaterThan(1L << 30);
        assertThat(r.stage("behavioral_test").orElseThrow().status()).isEqualTo(StageStatus.NOT_RUN);
    }

    @Test
    void aSessionThatTakesLongerThanItsLimitToCreateIsKilled() throws IOException {
        // sixteen 64 MiB products: about 20 s of folding here, with the peak under the 3 GiB cap
        Path folding = ModelPackages.foldingConstants(dir.resolve("folding"), 4096, 16);
        IsolatedRunner.Limits twoSeconds = new IsolatedRunner.Limits(Duration.ofMinutes(2), 256L << 20, 1, 120, 0, true,
                Duration.ofSeconds(2), 3L << 30);
        long t0 = System.nanoTime();
        EvalReport r = IsolatedRunner.forCurrentJvm(twoSeconds).evaluate(folding, "", EvalOptions.defaults());
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(40_000);
        StageResult load = r.stage("model_load").orElseThrow();
        assertThat(load.status()).as("%s", r).isEqualTo(StageStatus.ERROR);
        assertThat(load.findings().get(0).rule()).isEqualTo("eval.load_timeout");
        assertThat(load.details().get("reason"))
                .startsWith("creating the ONNX Runtime session took longer than its limit of 2000 ms");
        assertThat(load.details()).containsEntry("lastStep", "model_load: session model.onnx");
        assertThat(r.isolation()).containsEntry("killed", "load_timeout");
    }

    @Test
    void aChildThatCrashesIsReportedWithItsSignalAndTheStepItReached() throws IOException {
        Path slow = ModelPackages.slow(dir.resolve("slow"), 768, 400);
        EvalOptions o = EvalOptions.defaults().withLimits(Duration.ofMinutes(1), Duration.ofMinutes(2), 8);
        // the signal a native fault in ONNX Runtime raises, delivered while the first case runs
        Progress crashOnFirstCase = (step, detail) -> {
            if (step == Progress.Step.CASE) {
                ProcessHandle.current().descendants()
                        .filter(h -> h.info().arguments().map(a -> List.of(a).contains(ChildMain.class.getName()))
                                .orElse(false))
                        .forEach(h -> signal(h.pid(), "SEGV"));
            }
        };
        long t0 = System.nanoTime();
        EvalReport r = IsolatedRunner.forCurrentJvm(limits(Duration.ofSeconds(60))).evaluate(slow, "", o, crashOnFirstCase);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(30_000);
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).as("%s", r).isEqualTo(StageStatus.ERROR);
        assertThat(b.findings().get(0).rule()).isEqualTo("eval.runtime_crashed");
        assertThat(b.details()).containsEntry("signal", "SIGSEGV");
        assertThat(b.details().get("lastStep")).startsWith("behavioral_test: case 1/50 ");
        assertThat(b.details().get("reason")).startsWith("the evaluation child died of SIGSEGV");
        assertThat(r.stage("model_load").orElseThrow().status()).isEqualTo(StageStatus.NOT_RUN);
        assertThat(r.isolation()).containsEntry("signal", "SIGSEGV");
    }

    @Test
    void aStandbyChildIsStartedAheadOfWorkAndNeverRunsASecondModel() throws Exception {
        Path model = Files.write(dir.resolve("m.onnx"), io.airlock.fixtures.onnx.OnnxModels.identityModel());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> pids = new java.util.ArrayList<>();
        try (IsolatedRunner runner = new IsolatedRunner(java, System.getProperty("java.class.path"),
                limits(Duration.ofSeconds(60)), true)) {
            for (int i = 0; i < 2; i++) {
                waitForStandbyChildren(1);
                EvalReport r = runner.evaluate(model, "onnx", EvalOptions.defaults());
                assertThat(r.stage("model_load").orElseThrow().status()).as("%s", r).isEqualTo(StageStatus.PASS);
                assertThat(r.isolation().get("standby")).startsWith("warm: started ");
                assertThat(r.isolation()).containsEntry("mode", "child-jvm").containsKey("startupMillis");
                pids.add(r.isolation().get("pid"));
            }
            // a fresh process per model; the next one already waits
            assertThat(pids.get(0)).isNotEqualTo(pids.get(1));
            waitForStandbyChildren(1);
        }
        waitForStandbyChildren(0);
        EvalReport cold = IsolatedRunner.forCurrentJvm(limits(Duration.ofSeconds(60))).evaluate(model, "onnx",
                EvalOptions.defaults());
        assertThat(cold.isolation().get("standby")).isEqualTo("cold: started for this evaluation");
    }

    @Test
    void childrenStartFromAClassDataArchiveOnlyAtTheDigestItWasTrainedTo() throws Exception {
        Path model = Files.write(dir.resolve("m.onnx"), io.airlock.fixtures.onnx.OnnxModels.identityModel());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path archives = Files.createDirectory(dir.resolve("cds"));
        // the JVM archives classes from jars only: the test classpath's folders go into jars, as a packaged service has
        try (IsolatedRunner runner = new IsolatedRunner(java, jarredClasspath(dir.resolve("jars")),
                limits(Duration.ofSeconds(60)), false, archives)) {
            EvalReport r = runner.evaluate(model, "onnx", EvalOptions.defaults());
            assertThat(r.stage("model_load").orElseThrow().status()).as("%s", r).isEqualTo(StageStatus.PASS);
            assertThat(r.isolation().get("classData")).matches("archive sha256:[0-9a-f]{64} \\(trained on the warm-up alone, no model\\)");
            Path archive;
            try (var files = Files.list(archives)) {
                archive = files.findFirst().orElseThrow();
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive))).isEqualTo("r--r--r--");
            // a changed archive is never loaded: the child starts without it and says why
            Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-------"));
            Files.write(archive, new byte[]{0}, StandardOpenOption.APPEND);
            EvalReport tampered = runner.evaluate(model, "onnx", EvalOptions.defaults());
            assertThat(tampered.stage("model_load").orElseThrow().status()).isEqualTo(StageStatus.PASS);
            assertThat(tampered.isolation().get("classData")).isEqualTo("none: the archive's digest changed since training; not used");
        }
    }

    @Test
    void aClasspathWithFoldersGetsNoArchiveAndTheReportSaysWhy() throws IOException {
        Path model = Files.write(dir.resolve("m.onnx"), io.airlock.fixtures.onnx.OnnxModels.identityModel());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String withFolders = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try (IsolatedRunner runner = new IsolatedRunner(java, withFolders, limits(Duration.ofSeconds(60)), false,
                Files.createDirectory(dir.resolve("cds")))) {
            EvalReport r = runner.evaluate(model, "onnx", EvalOptions.defaults());
            assertThat(r.stage("model_load").orElseThrow().status()).isEqualTo(StageStatus.PASS);
            assertThat(r.isolation().get("classData")).startsWith("none: training wrote no archive");
        }
    }

    /** The test classpath with every folder packed into a jar. */
    private static String jarredClasspath(Path into) throws IOException {
        Files.createDirectories(into);
        List<String> out = new java.util.ArrayList<>();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int n = 0;
        for (String e : cp.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (!Files.isDirectory(p)) {
                out.add(e);
                continue;
            }
            Path jar = into.resolve("classes-" + n++ + ".jar");
            try (var zip = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                 var files = Files.walk(p)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    zip.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, zip);
                    zip.closeEntry();
                }
            }
            out.add(jar.toString());
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private static void waitForStandbyChildren(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (children() != n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(children()).isEqualTo(n);
    }

    private static long children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(ChildMain.class.getName())).orElse(false))
                .count();
    }

    private static void signal(long pid, String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
