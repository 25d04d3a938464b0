package io.airlock.evaluator.engine;

import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.scanner.engine.FormatSniffer;

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
 * Entry point of the isolated evaluation child:
 * {@code java -cp ... io.airlock.evaluator.engine.ChildMain <artifact> <options-json> [format]}.
 * Prints a line {@value #PROGRESS} per step as it starts, then one line, {@value #MARKER} followed
 * by the report JSON, on standard output and exits 0
 * whatever the verdict; exit 2 means no report (bad arguments). Everything else the process
 * writes (library logs) goes to standard error, so the report line is the only one with the marker.
 */
public final class ChildMain {
    /** Prefix of the report line on standard output. */
    public static final String MARKER = "AIRLOCK-EVAL-REPORT ";
    /** Prefix of a progress line: the step's wire name, a space, its detail. */
    public static final String PROGRESS = "AIRLOCK-EVAL-STEP ";

    private ChildMain() {
    }

    public static void main(String[] args) {
        // keep stdout for the report alone: anything a library prints goes to stderr
        PrintStream report = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: ChildMain <artifact> <options-json> [format]");
            System.exit(2);
        }
        EvalOptions options;
        try {
            options = EvalOptions.fromJson(args[1]);
        } catch (SpecException e) {
            System.err.println("airlock-eval-child: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path artifact = Path.of(args[0]);
        String format = args.length == 3 ? args[2] : "";
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
