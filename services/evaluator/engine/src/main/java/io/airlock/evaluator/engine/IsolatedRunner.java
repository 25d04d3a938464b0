package io.airlock.evaluator.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.json.StrictJson;
import io.airlock.evaluator.engine.runtime.ExecutionProviders;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs an evaluation in a child JVM ({@link ChildMain}) so that an untrusted model never shares
 * the caller's process: the child gets a heap cap, a CPU count and CPU-time limit, a wall-clock
 * timeout, a time limit on session creation, a cap on its resident memory, an empty environment
 * (no credentials inherited), a private temp folder, no core dumps, and, where the platform allows,
 * a network namespace of its own. Limits are enforced by killing the child. The report says which
 * of these were really in force. A child that is killed, crashes or prints no report gives an
 * ERROR stage with the reason, the signal and the step it had reached, never a pass.
 */
public final class IsolatedRunner implements AutoCloseable {
    private static final long MAX_STDOUT = 32L << 20;
    private static final int STDERR_TAIL = 8192;
    private static final long POLL_MILLIS = 50;
    private static final Pattern JVM_FATAL = Pattern.compile("#\\s+(SIG[A-Z0-9]+) \\(0x[0-9a-f]+\\)");
    private static final Map<Integer, String> SIGNALS = Map.of(4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS", 8, "SIGFPE",
            9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM", 24, "SIGXCPU", 25, "SIGXFSZ", 31, "SIGSYS");
    /** Rules of the ERROR findings that the model caused (the CLI exits 1 on them, as on a rejection). */
    public static final Set<String> MODEL_CAUSED = Set.of("eval.runtime_crashed", "eval.load_timeout",
            "eval.memory_limit", "eval.child_timeout", "eval.timeouts_in_a_row", "eval.output_bound");

    /** What trying unshare found, once per JVM: the prefix that works, or why none does. */
    private record NetProbe(String prefix, String note) {
    }

    private static volatile NetProbe probe;

    private final String javaBin;
    private final String classpath;
    private final Limits limits;
    /** The child started ahead of work (standby), or null. */
    private final AtomicReference<Child> spare = new AtomicReference<>();
    /** Starts standby children; null when standby is off. */
    private ExecutorService replenisher;
    private volatile boolean closed;
    /** The class-data archive children start from, or null; trusted only at this digest. */
    private Path archive;
    private String archiveDigest = "";
    private String archiveNote = "none";

    /**
     * What the child may use.
     *
     * @param timeout           wall clock; the child is killed after it
     * @param maxHeapBytes      -Xmx
     * @param cpus              -XX:ActiveProcessorCount (the JVM's and ORT's view of the machine)
     * @param cpuSeconds        RLIMIT_CPU through prlimit (0: none)
     * @param addressSpaceBytes RLIMIT_AS through prlimit, which also caps native memory (0: none; it breaks CUDA)
     * @param isolateNetwork    try a private network namespace (unshare)
     * @param loadTimeout       wall clock of ONNX Runtime's session creation (graph optimization and constant
     *                          folding, which the model controls); the child is killed after it
     * @param maxMemoryBytes    peak resident memory of the child (heap and native, read from /proc every 50 ms);
     *                          the child is killed above it (0: none)
     */
    public record Limits(Duration timeout, long maxHeapBytes, int cpus, long cpuSeconds, long addressSpaceBytes,
                         boolean isolateNetwork, Duration loadTimeout, long maxMemoryBytes) {
        public Limits {
            Objects.requireNonNull(timeout);
            Objects.requireNonNull(loadTimeout);
            if (timeout.isNegative() || timeout.isZero() || loadTimeout.isNegative() || loadTimeout.isZero()
                    || maxHeapBytes < (16 << 20) || cpus < 1 || cpuSeconds < 0 || addressSpaceBytes < 0
                    || maxMemoryBytes < 0) {
                throw new IllegalArgumentException("invalid child limits");
            }
        }

        /**
         * 15 minutes, 1 GiB heap, 1 CPU, CPU time up to the wall clock, no address-space cap, network
         * isolated, 30 s to create the session, 4 GiB of resident memory.
         */
        public static Limits defaults() {
            return new Limits(Duration.ofMinutes(15), 1L << 30, 1, 15 * 60, 0, true, Duration.ofSeconds(30), 4L << 30);
        }
    }

    /**
     * @param javaBin   the java launcher
     * @param classpath the child's classpath (the engine and its dependencies)
     */
    public IsolatedRunner(String javaBin, String classpath, Limits limits) {
        this.javaBin = Objects.requireNonNull(javaBin);
        this.classpath = Objects.requireNonNull(classpath);
        this.limits = Objects.requireNonNull(limits);
    }

    /**
     * A runner with this JVM's launcher and classpath, made absolute: the child runs in its own
     * folder, where a relative entry (from {@code java -jar cli/target/airlock-cli.jar}) finds nothing.
     */
    public static IsolatedRunner forCurrentJvm(Limits limits) {
        StringJoiner cp = new StringJoiner(File.pathSeparator);
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                String folder = entry.endsWith("*") ? entry.substring(0, entry.length() - 1) : null;
                cp.add(folder == null ? Path.of(entry).toAbsolutePath().toString()
                        : Path.of(folder.isEmpty() ? "." : folder).toAbsolutePath() + File.separator + "*");
            }
        }
        return new IsolatedRunner(Path.of(System.getProperty("java.home"), "bin", "java").toString(), cp.toString(), limits);
    }

    /**
     * With {@code standby}, the next child is started before work arrives and waits (warmed up, no
     * artifact seen) for its one job; each evaluation takes it and starts the next. Each model still
     * gets a fresh process: a child never runs a second job. {@link #close} stops the waiting one.
     */
    public IsolatedRunner(String javaBin, String classpath, Limits limits, boolean standby) {
        this(javaBin, classpath, limits, standby, null);
    }

    /**
     * The same, and with {@code archiveDir} the children start from a class-data archive kept there.
     * It is trained once, here, by a child that runs its warm-up and no model at all (an archive is
     * never written by a process that saw an untrusted model), made read-only, and used only while
     * its SHA-256 is the one recorded after training; otherwise children start without it and say so.
     */
    public IsolatedRunner(String javaBin, String classpath, Limits limits, boolean standby, Path archiveDir) {
        this(javaBin, classpath, limits);
        if (archiveDir != null) {
            trainArchive(archiveDir);
        }
        if (standby) {
            this.replenisher = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "airlock-eval-standby");
                t.setDaemon(true);
                return t;
            });
            replenish();
        }
    }

    /** Evaluates {@code artifact} in a child JVM and returns its report, or an ERROR report saying why there is none. */
    public EvalReport evaluate(Path artifact, String format, EvalOptions options) {
        return evaluate(artifact, format, options, Progress.NONE);
    }

    /** The same, telling {@code progress} (on another thread) each step the child starts. */
    public EvalReport evaluate(Path artifact, String format, EvalOptions options, Progress progress) {
        long t0 = System.nanoTime();
        Child child = spare.getAndSet(null);
        if (child != null && !child.process.isAlive()) {
            child.discard();
            child = null;
        }
        String standby = child == null ? "cold: started for this evaluation"
                : "warm: started " + (t0 - child.spawnedNanos) / 1_000_000 + " ms before the work arrived";
        if (child == null) {
            try {
                child = spawn();
            } catch (IOException e) {
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put("mode", "child-jvm");
                return failed(facts, "eval.isolation_failed", "the child JVM could not be started", e.toString(), null, t0);
            }
        }
        replenish();
        try {
            child.facts.put("standby", standby);
            return run(child, artifact, format, options, progress, t0);
        } finally {
            child.discard();
        }
    }

    /** Starts the next standby child in the background, unless one is waiting or standby is off. */
    private void replenish() {
        ExecutorService r = replenisher;
        if (r == null || closed || spare.get() != null) {
            return;
        }
        try {
            r.execute(() -> {
                if (closed || spare.get() != null) {
                    return;
                }
                try {
                    Child c = spawn();
                    if (closed || !spare.compareAndSet(null, c)) {
                        c.discard();
                    }
                } catch (IOException e) {
                    // no standby: the next evaluation starts its child itself, and says so
                }
            });
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Stops the standby child, if any, and deletes the archive; evaluations still running are not touched. */
    @Override
    public void close() {
        closed = true;
        if (replenisher != null) {
            replenisher.shutdown();
        }
        Child c = spare.getAndSet(null);
        if (c != null) {
            c.discard();
        }
        if (archive != null) {
            try {
                Files.deleteIfExists(archive);
            } catch (IOException e) {
                // a leftover read-only file in the caller's folder: nothing runs from it without its digest
            }
        }
    }

    /** A started child JVM waiting for (or running) its one job, with its private folder and readers. */
    private static final class Child {
        final Path work;
        final Process process;
        final Lines out;
        final Drain err;
        final long spawnedNanos = System.nanoTime();
        final Map<String, String> facts;

        Child(Path work, Process process, Map<String, String> facts) {
            this.work = work;
            this.process = process;
            this.facts = facts;
            this.out = new Lines(process.getInputStream());
            this.err = new Drain(process.getErrorStream());
            out.start();
            err.start();
        }

        /** Kills the process if it still runs and deletes its folder. */
        void discard() {
            if (process.isAlive()) {
                kill(process);
            }
            io.airlock.evaluator.engine.pkg.ModelPackage.deleteQuietly(work);
        }
    }

    /**
     * Trains the class-data archive: a child with the same command line as every other, given no job,
     * warms up and exits; the JVM writes the classes it loaded at exit (JDK 13+ dynamic archive).
     */
    private void trainArchive(Path dir) {
        try {
            Files.createDirectories(dir);
            Path out = dir.resolve("eval-child-" + System.nanoTime() + ".jsa");
            Child c = spawn("-XX:ArchiveClassesAtExit=" + out);
            c.process.getOutputStream().close(); // no job: the child warms up, finds none and exits
            boolean done = c.process.waitFor(limits.loadTimeout().toMillis(), TimeUnit.MILLISECONDS);
            c.discard();
            c.err.join(5000);
            if (!done || !Files.isRegularFile(out)) {
                // e.g. "Cannot have non-empty directory in paths": the JVM archives classes from jars only
                String why = c.err.text().strip().lines().reduce((a, b) -> b).orElse("");
                archiveNote = "none: training " + (done ? "wrote no archive" + (why.isEmpty() ? "" : " (" + why + ")")
                        : "did not finish in time");
                return;
            }
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("r--r--r--"));
            archive = out;
            archiveDigest = digest(out);
            archiveNote = "archive sha256:" + archiveDigest + " (trained on the warm-up alone, no model)";
        } catch (IOException | InterruptedException | RuntimeException e) {
            archiveNote = "none: training failed (" + e.getMessage() + ")";
        }
    }

    /** The archive's option if it is still what training wrote, else null with the reason in the facts. */
    private String archiveOption(Map<String, String> facts) {
        if (archive == null) {
            facts.put("classData", archiveNote);
            return null;
        }
        try {
            if (digest(archive).equals(archiveDigest)) {
                facts.put("classData", archiveNote);
                return "-XX:SharedArchiveFile=" + archive;
            }
            facts.put("classData", "none: the archive's digest changed since training; not used");
        } catch (IOException e) {
            facts.put("classData", "none: the archive could not be read (" + e.getMessage() + ")");
        }
        return null;
    }

    private static String digest(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Child spawn() throws IOException {
        return spawn(null);
    }

    /** Starts a child with every limit in force; it warms up and then waits for its job on stdin. */
    private Child spawn(String trainingOption) throws IOException {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("mode", "child-jvm");
        Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "airlock-child-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path tmp = work.resolve("tmp");
            Path argfile = work.resolve("java.args");
            Files.createDirectories(tmp);
            // the classpath goes through an argument file: ONNX Runtime 1.29 crashes (SIGSEGV) while
            // creating its environment when the process command line is over ~4 KB
            Files.writeString(argfile, "-cp \"" + classpath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n");
            List<String> cmd = new ArrayList<>();
            NetProbe net = network(limits.isolateNetwork());
            if (net.prefix() != null) {
                cmd.addAll(List.of(net.prefix().split(" ")));
                facts.put("network", "none: private network namespace (" + net.prefix() + "), loopback only");
            } else {
                facts.put("network", "host network: " + net.note());
            }
            boolean prlimit = Files.isExecutable(Path.of("/usr/bin/prlimit"));
            if (prlimit) {
                cmd.add("/usr/bin/prlimit");
                // a crashed child must not write a core file of its whole address space
                cmd.add("--core=0");
                if (limits.cpuSeconds() > 0) {
                    cmd.add("--cpu=" + limits.cpuSeconds());
                }
                if (limits.addressSpaceBytes() > 0) {
                    cmd.add("--as=" + limits.addressSpaceBytes());
                }
                cmd.add("--");
            }
            cmd.add(javaBin);
            cmd.add("-Xmx" + (limits.maxHeapBytes() >> 20) + "m");
            cmd.add("-XX:ActiveProcessorCount=" + limits.cpus());
            cmd.add("-XX:+ExitOnOutOfMemoryError");
            // a native crash leaves no core dump (the JVM then exits 1 after its fatal error report, read
            // from stdout, where the JVM prints it whatever DisplayVMOutputToStderr says)
            cmd.add("-XX:-CreateCoredumpOnCrash");
            cmd.add("-XX:ErrorFile=" + work.resolve("hs_err.log"));
            cmd.add("-Djava.io.tmpdir=" + tmp);
            String classData = trainingOption != null ? trainingOption : archiveOption(facts);
            if (classData != null) {
                cmd.add(classData);
                cmd.add("-Xlog:cds=off");
                cmd.add("-Xlog:cds+dynamic=off");
            }
            cmd.add("@" + argfile);
            cmd.add(ChildMain.class.getName());
            facts.put("memory", "heap -Xmx" + (limits.maxHeapBytes() >> 20) + "m; resident "
                    + (limits.maxMemoryBytes() > 0 ? "capped at " + limits.maxMemoryBytes() + " bytes (killed above)"
                    : "not capped by the runner") + "; address space "
                    + (prlimit && limits.addressSpaceBytes() > 0 ? "capped at " + limits.addressSpaceBytes() + " bytes"
                    : "not capped"));
            facts.put("cpu", "ActiveProcessorCount=" + limits.cpus()
                    + (prlimit && limits.cpuSeconds() > 0 ? ", RLIMIT_CPU " + limits.cpuSeconds() + " s" : ", no CPU-time limit"));
            facts.put("timeout", limits.timeout().toMillis() + " ms");
            facts.put("loadTimeout", limits.loadTimeout().toMillis() + " ms");
            facts.put("environment", "cleared (PATH, LANG, TMPDIR only)");

            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
            Map<String, String> env = pb.environment();
            String path = env.getOrDefault("PATH", "/usr/bin:/bin");
            env.clear(); // no credentials or service configuration leak into the child
            env.put("PATH", path);
            env.put("LANG", "C.UTF-8");
            env.put("TMPDIR", tmp.toString());
            Process process = pb.start();
            facts.put("pid", Long.toString(process.pid()));
            return new Child(work, process, facts);
        } catch (IOException | RuntimeException e) {
            io.airlock.evaluator.engine.pkg.ModelPackage.deleteQuietly(work);
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    private EvalReport run(Child child, Path artifact, String format, EvalOptions options, Progress progress, long t0) {
        Map<String, String> facts = child.facts;
        facts.put("cpu", facts.get("cpu").replaceFirst("^(ActiveProcessorCount=\\d+)", "$1, intra-op threads "
                + options.intraOpThreads()));
        Process p = child.process;
        Lines out = child.out;
        Drain err = child.err;
        out.listen(progress);
        ArrayNode job = StrictJson.array().add(artifact.toAbsolutePath().toString()).add(options.toJson())
                .add(format == null ? "" : format);
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(StrictJson.write(job).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the child is already gone: its exit below says why
        }
        String killed;
        try {
            killed = watch(p, out, facts);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return failed(facts, "eval.isolation_failed", "interrupted while the child ran", "", out.reached(), t0);
        }
        try {
            out.join(5000);
            err.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        facts.put("childMillis", Long.toString((System.nanoTime() - t0) / 1_000_000));
        if (out.firstStepNanos() != 0) {
            // from the call to the child's first step: the JVM's start-up, unless a standby child had done it
            facts.put("startupMillis", Long.toString(Math.max(0, out.firstStepNanos() - t0) / 1_000_000));
        }
        Reached at = out.reached();
        if (killed != null) {
            facts.put("killed", killed.substring(0, killed.indexOf(' ')));
            String rule = killed.startsWith("timeout") ? "eval.child_timeout"
                    : killed.startsWith("load_timeout") ? "eval.load_timeout" : "eval.memory_limit";
            return failed(facts, rule, killed.substring(killed.indexOf(' ') + 1), err.text(), at, t0);
        }
        int code = p.exitValue();
        facts.put("exitCode", Integer.toString(code));
        if (out.overflow) {
            return failed(facts, "eval.isolation_failed", "the child printed more than " + MAX_STDOUT + " bytes",
                    err.text(), at, t0);
        }
        String line = out.report();
        if (code != 0 || line == null) {
            String stderr = out.other() + err.text();
            Matcher fatal = JVM_FATAL.matcher(stderr);
            String signal = fatal.find() ? fatal.group(1) : code > 128 ? SIGNALS.getOrDefault(code - 128,
                    "signal " + (code - 128)) : null;
            if (signal != null) {
                facts.put("signal", signal);
                return failed(facts, "eval.runtime_crashed", "the evaluation child died of " + signal
                        + (fatal.find(0) ? " (the JVM's fatal error handler reported it)" : "") + " during "
                        + at.describe(), stderr, at, t0);
            }
            if (code == 3) {
                // -XX:+ExitOnOutOfMemoryError: the heap is the JVM's, but what filled it came from the model
                return failed(facts, "eval.memory_limit", "the evaluation child ran out of its " + (limits.maxHeapBytes() >> 20)
                        + " MiB heap during " + at.describe(), stderr, at, t0);
            }
            return failed(facts, "eval.isolation_failed", "the evaluation child exited with code " + code
                    + " without a report", stderr, at, t0);
        }
        try {
            EvalReport r = EvalReportJson.read(line.substring(ChildMain.MARKER.length()));
            Map<String, String> merged = new LinkedHashMap<>(r.isolation());
            merged.putAll(facts);
            return r.withIsolation(merged);
        } catch (SpecException e) {
            return failed(facts, "eval.isolation_failed", "the child's report could not be read", e.getMessage(), at, t0);
        }
    }

    /**
     * Waits for the child, killing it when a limit is passed. Returns null when it exited by itself,
     * else {@code "<what> <why>"} (what: timeout, load_timeout, memory).
     */
    private String watch(Process p, Lines out, Map<String, String> facts) throws InterruptedException {
        long start = System.nanoTime();
        long peak = 0;
        try {
            while (!p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                long now = System.nanoTime();
                Reached at = out.reached();
                peak = Math.max(peak, peakResident(p.pid()));
                String why = null;
                if (now - start >= limits.timeout().toNanos()) {
                    why = "timeout the evaluation child exceeded its timeout of " + limits.timeout().toMillis()
                            + " ms and was killed (during " + at.describe() + ")";
                } else if (at.step() == Progress.Step.SESSION && now - at.sinceNanos() >= limits.loadTimeout().toNanos()) {
                    why = "load_timeout creating the ONNX Runtime session took longer than its limit of "
                            + limits.loadTimeout().toMillis() + " ms (graph optimization and constant folding are the "
                            + "model's to make slow); the child was killed";
                } else if (limits.maxMemoryBytes() > 0 && peak > limits.maxMemoryBytes()) {
                    why = "memory the evaluation child's resident memory reached " + peak + " bytes, over its limit of "
                            + limits.maxMemoryBytes() + ", during " + at.describe() + "; it was killed";
                }
                if (why != null) {
                    kill(p);
                    return why;
                }
            }
            return null;
        } finally {
            if (peak > 0) {
                facts.put("peakResidentBytes", Long.toString(peak));
            }
        }
    }

    /** VmHWM of a live process (its peak resident set, so a spike between two polls still counts); 0 if unknown. */
    static long peakResident(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmHWM:")) {
                    String[] f = l.substring(6).strip().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone or /proc is not there: nothing to measure
        }
        return 0;
    }

    /** Kills the child and anything it started; a JVM that ignores SIGTERM still dies with SIGKILL. */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The report of a child that gave none: the stage it was in gets the ERROR with the reason, the
     * step and the signal; a stage it never reached is NOT_RUN. A child that died after the session
     * was created took model_load's details with it: NOT_RUN says so rather than claim a pass.
     */
    private static EvalReport failed(Map<String, String> facts, String rule, String why, String stderr, Reached at,
                                     long t0) {
        long micros = (System.nanoTime() - t0) / 1000;
        Map<String, String> d = new LinkedHashMap<>();
        d.put("reason", why);
        String step = at == null ? "" : at.describe();
        if (at != null) {
            d.put("lastStep", step);
            facts.put("lastStep", step);
        }
        if (facts.containsKey("signal")) {
            d.put("signal", facts.get("signal"));
        }
        String evidence = stderr.length() > 2000 ? stderr.substring(stderr.length() - 2000) : stderr;
        boolean inLoad = at == null || at.step() == null || Evaluator.MODEL_LOAD.equals(at.step().stage());
        String stage = inLoad ? Evaluator.MODEL_LOAD : Evaluator.BEHAVIORAL_TEST;
        StageResult error = new StageResult(stage, StageStatus.ERROR, micros,
                List.of(new Finding(rule, Severity.HIGH, stage, step, why, evidence)), d);
        List<StageResult> stages = inLoad
                ? List.of(error, StageResult.notRun(Evaluator.BEHAVIORAL_TEST, "the model did not load: " + why))
                : List.of(StageResult.notRun(Evaluator.MODEL_LOAD, "unknown: the session was created, then the child "
                + "died before reporting, taking the load details with it"), error);
        return new EvalReport(EvalReport.SCHEMA, stages, "none",
                ExecutionProviders.notTried("the evaluation child did not report"), List.of(), facts);
    }

    /**
     * The command prefix that gives the child its own network namespace, found by trying it once:
     * {@code unshare -n} (root or CAP_SYS_ADMIN), else {@code unshare -rn} (unprivileged user
     * namespaces); null when neither works, with the reason kept for the report.
     */
    static NetProbe network(boolean wanted) {
        if (!wanted) {
            return new NetProbe(null, "network isolation disabled by configuration");
        }
        NetProbe p = probe;
        if (p == null) {
            synchronized (IsolatedRunner.class) {
                if (probe == null) {
                    probe = tryUnshare();
                }
                p = probe;
            }
        }
        return p;
    }

    private static NetProbe tryUnshare() {
        if (!Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            return new NetProbe(null, "unshare is not installed");
        }
        StringBuilder notes = new StringBuilder();
        for (String prefix : List.of("/usr/bin/unshare -n", "/usr/bin/unshare -rn")) {
            List<String> cmd = new ArrayList<>(List.of(prefix.split(" ")));
            cmd.add("true");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                boolean done = p.waitFor(5, TimeUnit.SECONDS);
                if (done && p.exitValue() == 0) {
                    return new NetProbe(prefix, "");
                }
                p.destroyForcibly();
                String msg = done ? new String(p.getInputStream().readNBytes(300), StandardCharsets.UTF_8).strip() : "timeout";
                notes.append(notes.length() == 0 ? "" : "; ").append(prefix).append(": ")
                        .append(msg.isEmpty() ? "exit " + p.exitValue() : msg);
            } catch (IOException e) {
                notes.append(notes.length() == 0 ? "" : "; ").append(prefix).append(": ").append(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new NetProbe(null, "interrupted while trying unshare");
            }
        }
        return new NetProbe(null, "a network namespace is not permitted here (" + notes + ")");
    }

    /** The step the child last started, and when (System.nanoTime()); step null before the first. */
    record Reached(Progress.Step step, String detail, long sinceNanos) {
        String describe() {
            return step == null ? "start-up (no step reached)" : step.stage() + ": " + step.wire()
                    + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    /**
     * Reads the child's stdout line by line on its own thread: progress lines move {@link #reached},
     * the last report line is kept, everything is bounded ({@value #MAX_STDOUT} bytes in all).
     */
    private static final class Lines extends Thread {
        private final InputStream in;
        private volatile Progress progress = Progress.NONE;
        private volatile Reached reached = new Reached(null, "", System.nanoTime());
        private volatile long firstStepNanos;
        private volatile String report;
        /** The tail of the other lines: the JVM prints its fatal error report here, whatever it is told. */
        private final StringBuilder other = new StringBuilder();
        volatile boolean overflow;

        Lines(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        /** Who hears of each step from now on (set when the job is sent). */
        void listen(Progress p) {
            progress = p;
        }

        /** System.nanoTime() of the first step line, 0 before it. */
        long firstStepNanos() {
            return firstStepNanos;
        }

        Reached reached() {
            return reached;
        }

        String report() {
            return report;
        }

        String other() {
            synchronized (other) {
                return other.toString();
            }
        }

        @Override
        public void run() {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long total = 0;
            byte[] b = new byte[8192];
            try (in) {
                for (int n; (n = in.read(b)) > 0; ) {
                    total += n;
                    if (total > MAX_STDOUT) {
                        overflow = true; // keep reading so the child never blocks on a full pipe
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        if (b[i] == '\n') {
                            accept(line.toString(StandardCharsets.UTF_8));
                            line.reset();
                        } else {
                            line.write(b[i]);
                        }
                    }
                }
            } catch (IOException e) {
                // the child is gone; what was read is what there is
            }
        }

        private void accept(String l) {
            if (l.startsWith(ChildMain.MARKER)) {
                report = l;
            } else if (l.startsWith(ChildMain.PROGRESS)) {
                String rest = l.substring(ChildMain.PROGRESS.length());
                int sp = rest.indexOf(' ');
                String name = sp < 0 ? rest : rest.substring(0, sp);
                for (Progress.Step s : Progress.Step.values()) {
                    if (s.wire().equals(name)) {
                        String detail = sp < 0 ? "" : rest.substring(sp + 1);
                        reached = new Reached(s, detail, System.nanoTime());
                        if (firstStepNanos == 0) {
                            firstStepNanos = reached.sinceNanos();
                        }
                        progress.reached(s, detail);
                    }
                }
            } else {
                synchronized (other) {
                    other.append(l).append('\n');
                    if (other.length() > STDERR_TAIL) {
                        other.delete(0, other.length() - STDERR_TAIL);
                    }
                }
            }
        }
    }

    /** Reads a child stream to the end on its own thread, keeping its tail. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Drain(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try (in) {
                for (int n; (n = in.read(b)) > 0; ) {
                    synchronized (buf) {
                        buf.write(b, 0, n);
                        if (buf.size() > 2 * STDERR_TAIL) {
                            byte[] all = buf.toByteArray();
                            buf.reset();
                            buf.write(all, all.length - STDERR_TAIL, STDERR_TAIL);
                        }
                    }
                }
            } catch (IOException e) {
                // the child is gone; what was read is what there is
            }
        }

        String text() {
            synchronized (buf) {
                byte[] all = buf.toByteArray();
                int from = all.length > STDERR_TAIL ? all.length - STDERR_TAIL : 0;
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            }
        }
    }
}
