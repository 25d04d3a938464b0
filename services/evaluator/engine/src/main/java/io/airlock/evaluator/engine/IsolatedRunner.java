package io.airlock.evaluator.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.runtime.ExecutionProviders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.TimeUnit;

/**
 * Runs an evaluation in a child JVM ({@link ChildMain}) so that an untrusted model never shares
 * the service's process: the child gets a heap cap, a CPU count and CPU-time limit, a wall-clock
 * timeout after which it is killed, an empty environment (no credentials inherited), a private
 * temp folder, and, where the platform allows, a network namespace of its own. The report says
 * which of these were really in force. A child that is killed, crashes or prints no report gives
 * an ERROR stage with the reason, never a pass.
 */
public final class IsolatedRunner {
    private static final long MAX_STDOUT = 32L << 20;
    private static final int STDERR_TAIL = 4096;
    /** What trying unshare found, once per JVM: the prefix that works, or why none does. */
    private record NetProbe(String prefix, String note) {
    }

    private static volatile NetProbe probe;

    private final String javaBin;
    private final String classpath;
    private final Limits limits;

    /**
     * What the child may use.
     *
     * @param timeout           wall clock; the child is killed after it
     * @param maxHeapBytes      -Xmx
     * @param cpus              -XX:ActiveProcessorCount (the JVM's and ORT's view of the machine)
     * @param cpuSeconds        RLIMIT_CPU through prlimit (0: none)
     * @param addressSpaceBytes RLIMIT_AS through prlimit, which also caps native memory (0: none)
     * @param isolateNetwork    try a private network namespace (unshare)
     */
    public record Limits(Duration timeout, long maxHeapBytes, int cpus, long cpuSeconds, long addressSpaceBytes,
                         boolean isolateNetwork) {
        public Limits {
            Objects.requireNonNull(timeout);
            if (timeout.isNegative() || timeout.isZero() || maxHeapBytes < (16 << 20) || cpus < 1 || cpuSeconds < 0
                    || addressSpaceBytes < 0) {
                throw new IllegalArgumentException("invalid child limits");
            }
        }

        /** 15 minutes, 1 GiB heap, 1 CPU, CPU time up to the wall clock, no address-space cap, network isolated. */
        public static Limits defaults() {
            return new Limits(Duration.ofMinutes(15), 1L << 30, 1, 15 * 60, 0, true);
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

    /** A runner with this JVM's launcher and classpath. */
    public static IsolatedRunner forCurrentJvm(Limits limits) {
        return new IsolatedRunner(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                System.getProperty("java.class.path"), limits);
    }

    /** Evaluates {@code artifact} in a child JVM and returns its report, or an ERROR report saying why there is none. */
    public EvalReport evaluate(Path artifact, String format, EvalOptions options) {
        long t0 = System.nanoTime();
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("mode", "child-jvm");
        Path work;
        try {
            work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "airlock-child-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            return failed(facts, "the child's temp folder could not be created", e.toString(), t0);
        }
        try {
            return run(artifact, format, options, work, facts, t0);
        } finally {
            io.airlock.evaluator.engine.pkg.ModelPackage.deleteQuietly(work);
        }
    }

    private EvalReport run(Path artifact, String format, EvalOptions options, Path work, Map<String, String> facts,
                           long t0) {
        Path tmp = work.resolve("tmp");
        Path argfile = work.resolve("java.args");
        try {
            Files.createDirectories(tmp);
            // the classpath goes through an argument file: ONNX Runtime 1.29 crashes (SIGSEGV) while
            // creating its environment when the process command line is over ~4 KB
            Files.writeString(argfile, "-cp \"" + classpath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n");
        } catch (IOException e) {
            return failed(facts, "the child's files could not be written", e.toString(), t0);
        }
        List<String> cmd = new ArrayList<>();
        NetProbe net = network(limits.isolateNetwork());
        if (net.prefix() != null) {
            cmd.addAll(List.of(net.prefix().split(" ")));
            facts.put("network", "none: private network namespace (" + net.prefix() + "), loopback only");
        } else {
            facts.put("network", "host network: " + net.note());
        }
        boolean prlimit = (limits.cpuSeconds() > 0 || limits.addressSpaceBytes() > 0) && Files.isExecutable(Path.of("/usr/bin/prlimit"));
        if (prlimit) {
            cmd.add("/usr/bin/prlimit");
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
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("@" + argfile);
        cmd.add(ChildMain.class.getName());
        cmd.add(artifact.toAbsolutePath().toString());
        cmd.add(options.toJson());
        cmd.add(format == null ? "" : format);
        facts.put("memory", "heap -Xmx" + (limits.maxHeapBytes() >> 20) + "m; native "
                + (prlimit && limits.addressSpaceBytes() > 0 ? "address space capped at " + limits.addressSpaceBytes() + " bytes"
                : "not capped by the runner (ONNX Runtime allocates outside the heap: cap it with the container's memory limit)"));
        facts.put("cpu", "ActiveProcessorCount=" + limits.cpus() + ", intra-op threads " + options.intraOpThreads()
                + (prlimit && limits.cpuSeconds() > 0 ? ", RLIMIT_CPU " + limits.cpuSeconds() + " s" : ", no CPU-time limit"));
        facts.put("timeout", limits.timeout().toMillis() + " ms");
        facts.put("environment", "cleared (PATH, LANG, TMPDIR only)");

        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        Map<String, String> env = pb.environment();
        String path = env.getOrDefault("PATH", "/usr/bin:/bin");
        env.clear(); // no credentials or service configuration leak into the child
        env.put("PATH", path);
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", tmp.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return failed(facts, "the child JVM could not be started", e.toString(), t0);
        }
        Drain out = new Drain(p.getInputStream(), MAX_STDOUT, false);
        Drain err = new Drain(p.getErrorStream(), STDERR_TAIL, true);
        out.start();
        err.start();
        boolean finished;
        try {
            finished = p.waitFor(limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return failed(facts, "interrupted while the child ran", "", t0);
        }
        if (!finished) {
            kill(p);
            facts.put("killed", "timeout");
            return failed(facts, "the evaluation child exceeded its timeout of " + limits.timeout().toMillis()
                    + " ms and was killed", err.text(), t0);
        }
        try {
            out.join(5000);
            err.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int code = p.exitValue();
        facts.put("exitCode", Integer.toString(code));
        facts.put("childMillis", Long.toString((System.nanoTime() - t0) / 1_000_000));
        if (out.overflow) {
            return failed(facts, "the child printed more than " + MAX_STDOUT + " bytes", err.text(), t0);
        }
        String line = out.text().lines().filter(l -> l.startsWith(ChildMain.MARKER)).reduce((a, b) -> b).orElse(null);
        if (code != 0 || line == null) {
            String why = code == 134 || code == 139 ? " (the runtime crashed: signal " + (code - 128) + ")"
                    : code == 3 ? " (out of heap memory)" : code == 137 ? " (killed: signal 9)" : "";
            return failed(facts, "the evaluation child exited with code " + code + why + " without a report", err.text(), t0);
        }
        try {
            EvalReport r = EvalReportJson.read(line.substring(ChildMain.MARKER.length()));
            Map<String, String> merged = new LinkedHashMap<>(r.isolation());
            merged.putAll(facts);
            return r.withIsolation(merged);
        } catch (SpecException e) {
            return failed(facts, "the child's report could not be read", e.getMessage(), t0);
        }
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

    private static EvalReport failed(Map<String, String> facts, String why, String stderr, long t0) {
        long micros = (System.nanoTime() - t0) / 1000;
        Map<String, String> d = new LinkedHashMap<>();
        d.put("reason", why);
        StageResult load = StageResult.notRun(Evaluator.MODEL_LOAD, "unknown: " + why);
        StageResult behavioral = new StageResult(Evaluator.BEHAVIORAL_TEST, StageStatus.ERROR, micros,
                List.of(new Finding("eval.isolation_failed", Severity.HIGH, Evaluator.BEHAVIORAL_TEST, "", why,
                        stderr.length() > 2000 ? stderr.substring(stderr.length() - 2000) : stderr)), d);
        return new EvalReport(EvalReport.SCHEMA, List.of(load, behavioral), "none",
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

    /** Reads a child stream to the end on its own thread, keeping the head (stdout) or the tail (stderr). */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final long max;
        private final boolean tail;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        volatile boolean overflow;

        Drain(InputStream in, long max, boolean tail) {
            this.in = in;
            this.max = max;
            this.tail = tail;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try (in) {
                for (int n; (n = in.read(b)) > 0; ) {
                    synchronized (buf) {
                        if (tail) {
                            buf.write(b, 0, n);
                            if (buf.size() > 2 * max) {
                                byte[] all = buf.toByteArray();
                                buf.reset();
                                buf.write(all, all.length - (int) max, (int) max);
                            }
                        } else if (buf.size() + n > max) {
                            overflow = true; // keep reading so the child never blocks on a full pipe
                        } else {
                            buf.write(b, 0, n);
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
                int from = tail && all.length > max ? all.length - (int) max : 0;
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            }
        }
    }
}
