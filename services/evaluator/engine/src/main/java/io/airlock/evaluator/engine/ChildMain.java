package io.airlock.evaluator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.json.StrictJson;
import io.airlock.formats.FormatSniffer;

import java.io.BufferedInputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Entry point of the isolated evaluation child: {@code java -cp ... io.airlock.evaluator.engine.ChildMain},
 * which warms up and then reads its one job from standard input, a JSON array
 * {@code ["<artifact>", "<options-json>", "<format or empty>"]}.
 * Prints a line {@value #PROGRESS} per step as it starts, then one line, {@value #MARKER} followed
 * by the report JSON, on standard output and exits 0
 * whatever the verdict; exit 2 means no report (bad arguments). Everything else the process
 * writes (library logs) goes to standard error, so the report line is the only one with the marker.
 */
public final class ChildMain {
    /** Prefix of the report line on standard output. */
    public static final String MARKER = "AIRLOCK-EVAL-REPORT ";
    /** The job's size at most (paths and options, never artifact bytes). */
    static final int MAX_JOB = 1 << 20;
    /** Prefix of a progress line: the step's wire name, a space, its detail. */
    public static final String PROGRESS = "AIRLOCK-EVAL-STEP ";

    private ChildMain() {
    }

    public static void main(String[] args) {
        // keep stdout for the report alone: anything a library prints goes to stderr
        PrintStream report = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        if (args.length != 0) {
            System.err.println("usage: ChildMain (the job arrives on stdin: [\"<artifact>\", \"<options-json>\", \"<format>\"])");
            System.exit(2);
        }
        // a standby child is started before any work arrives: it loads what every evaluation loads,
        // from nothing a model controls, then waits for the one job this process will ever run
        Evaluator.warmUp();
        EvalOptions options;
        Path artifact;
        String format;
        try {
            JsonNode job = StrictJson.parse(new BufferedInputStream(System.in).readNBytes(MAX_JOB), "job");
            if (!job.isArray() || job.size() != 3 || !job.get(0).isTextual() || !job.get(1).isTextual()
                    || !job.get(2).isTextual()) {
                throw new SpecException("job: an array of three strings expected");
            }
            artifact = Path.of(job.get(0).asText());
            options = EvalOptions.fromJson(job.get(1).asText());
            format = job.get(2).asText();
        } catch (SpecException | IOException | RuntimeException e) {
            System.err.println("airlock-eval-child: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (format.isEmpty() && Files.isRegularFile(artifact, LinkOption.NOFOLLOW_LINKS)) {
            try {
                format = FormatSniffer.sniff(artifact).format().id();
            } catch (IOException e) {
                System.err.println("airlock-eval-child: cannot read " + artifact + ": " + e.getMessage());
                System.exit(2);
            }
        }
        // each step is printed as it starts, so the parent knows what the child was doing if it dies
        Progress steps = (step, detail) -> report.println(PROGRESS + step.wire() + " "
                + detail.replace('\n', ' ').replace('\r', ' '));
        EvalReport r = new Evaluator(steps).evaluate(artifact, format, options);
        steps.reached(Progress.Step.DONE, "");
        Map<String, String> seen = new LinkedHashMap<>(r.isolation());
        seen.put("mode", "child-jvm");
        seen.put("childInterfaces", interfaces());
        seen.remove("network"); // the parent knows what it enforced; the child says what it saw
        report.println(MARKER + EvalReportJson.write(r.withIsolation(seen)));
        report.flush();
        System.exit(0);
    }

    /**
     * The network interfaces the child can see, from {@code /proc/self/net/dev} (which follows the
     * process's network namespace): in a fresh namespace only "lo".
     */
    static String interfaces() {
        Path dev = Path.of("/proc/self/net/dev");
        try {
            StringJoiner j = new StringJoiner(",");
            Files.readAllLines(dev).stream().skip(2).map(l -> l.strip())
                    .filter(l -> l.indexOf(':') > 0).map(l -> l.substring(0, l.indexOf(':')))
                    .sorted().forEach(j::add);
            return j.length() == 0 ? "none" : j.toString();
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
