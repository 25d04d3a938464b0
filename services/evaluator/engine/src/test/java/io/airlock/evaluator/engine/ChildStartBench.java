package io.airlock.evaluator.engine;

import io.airlock.fixtures.onnx.ModelPackages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Start-up of the evaluation child, cold (started for the evaluation) against warm (a standby
 * child started ahead): the time from the call to the child's first step ({@code startupMillis})
 * and the whole evaluation of a refusing package (50 cases). Run by hand, as GenerationBench:
 * {@code java @argfile io.airlock.evaluator.engine.ChildStartBench [rounds]}.
 */
public final class ChildStartBench {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory("child-start-bench");
        Path pkg = ModelPackages.refusing(dir.resolve("refusing"));
        IsolatedRunner.Limits limits = IsolatedRunner.Limits.defaults();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long[][] cold = new long[2][rounds];
        long[][] coldCds = new long[2][rounds];
        long[][] warm = new long[2][rounds];
        String cp = System.getProperty("java.class.path");
        try (IsolatedRunner coldRunner = new IsolatedRunner(java, cp, limits, false, null);
             IsolatedRunner cdsRunner = new IsolatedRunner(java, cp, limits, false, dir.resolve("cds"));
             IsolatedRunner warmRunner = new IsolatedRunner(java, cp, limits, true, dir.resolve("cds-warm"))) {
            for (int i = 0; i < rounds; i++) {
                // interleaved, so the shared machine's load falls on each variant alike
                record(coldRunner.evaluate(pkg, "", EvalOptions.defaults()), cold, i);
                record(cdsRunner.evaluate(pkg, "", EvalOptions.defaults()), coldCds, i);
                // the standby child starts while the machine is otherwise idle, as between two messages
                Thread.sleep(4000);
                record(warmRunner.evaluate(pkg, "", EvalOptions.defaults()), warm, i);
            }
        }
        System.out.printf("cold child: start-up %s ms, whole evaluation %s ms%n", median(cold[0]), median(cold[1]));
        System.out.printf("cold child, class-data archive: start-up %s ms, whole evaluation %s ms%n", median(coldCds[0]),
                median(coldCds[1]));
        System.out.printf("standby child (archive): start-up %s ms, whole evaluation %s ms%n", median(warm[0]),
                median(warm[1]));
        io.airlock.evaluator.engine.pkg.ModelPackage.deleteQuietly(dir);
    }

    private static void record(EvalReport r, long[][] into, int i) {
        if (!r.isolation().containsKey("startupMillis")) {
            throw new IllegalStateException("no start-up figure: " + r);
        }
        into[0][i] = Long.parseLong(r.isolation().get("startupMillis"));
        into[1][i] = Long.parseLong(r.isolation().get("childMillis"));
    }

    private static String median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2] + " (min " + s[0] + ", max " + s[s.length - 1] + ")";
    }

    private ChildStartBench() {
    }
}
