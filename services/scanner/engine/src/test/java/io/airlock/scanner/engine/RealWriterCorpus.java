package io.airlock.scanner.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files written at test time by the real libraries (Debian's python3-torch, numpy, joblib,
 * sklearn, dill, cloudpickle, h5py, onnx) through {@code realwriters/write_corpus.py}, written
 * once per test JVM. Under {@code CI=true} a writer that is missing fails the run (`.ci/run`
 * installs them all); elsewhere the tests that need the corpus report themselves skipped, with
 * the reason.
 */
public final class RealWriterCorpus {
    /**
     * One file.
     *
     * @param file    where it is
     * @param writer  the call that wrote it
     * @param version the writing library's version
     * @param code    whether it serializes code (a function, a user-defined class) and must be flagged
     * @param what    what it holds
     */
    public record Entry(Path file, String writer, String version, boolean code, String what) {
        public String name() {
            return file.getFileName().toString();
        }

        @Override
        public String toString() {
            return name() + " (" + writer + " " + version + ")";
        }
    }

    private static List<Entry> entries;
    private static List<String> skipped;

    private RealWriterCorpus() {
    }

    /** Every file written; skips the calling test when no Python with the writers is here. */
    public static synchronized List<Entry> entries() throws IOException, InterruptedException {
        if (entries == null) {
            write();
        }
        boolean ci = "true".equals(System.getenv("CI"));
        if (ci && !skipped.isEmpty()) {
            throw new AssertionError("CI=true and real writers are missing (.ci/run installs them): " + skipped);
        }
        assumeTrue(!entries.isEmpty(), "no real writer is installed (apt-get install python3-torch python3-numpy"
                + " python3-joblib python3-sklearn python3-dill python3-cloudpickle python3-h5py python3-onnx): " + skipped);
        return entries;
    }

    /** Writers that could not be imported, with the reason. */
    public static synchronized List<String> skipped() throws IOException, InterruptedException {
        entries();
        return skipped;
    }

    /** Debian's interpreter first: its dist-packages hold the writers, a pyenv or venv python3 on PATH may not. */
    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static void write() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("airlock-real-writers");
        Path script = dir.resolve("write_corpus.py");
        try (InputStream in = RealWriterCorpus.class.getResourceAsStream("realwriters/write_corpus.py")) {
            Files.copy(in, script);
        }
        Path out = dir.resolve("corpus");
        List<Entry> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Process p;
        try {
            p = new ProcessBuilder(python(), script.toString(), out.toString())
                    .redirectError(dir.resolve("stderr.txt").toFile()).start();
        } catch (IOException e) {
            entries = List.of();
            skipped = List.of("python3: " + e.getMessage());
            return;
        }
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("write_corpus.py did not finish in 5 minutes");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("write_corpus.py failed (exit " + p.exitValue() + "): "
                    + Files.readString(dir.resolve("stderr.txt")));
        }
        for (String line : stdout.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 3 && f[0].equals("skip")) {
                missing.add(f[1] + ": " + f[2]);
            } else if (f.length == 5) {
                found.add(new Entry(out.resolve(f[0]), f[1], f[2], f[3].equals("code"), f[4]));
            } else if (!line.isBlank()) {
                throw new AssertionError("unexpected line from write_corpus.py: " + line);
            }
        }
        entries = List.copyOf(found);
        skipped = List.copyOf(missing);
    }
}
