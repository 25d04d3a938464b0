import io.airlock.contracts.Kind;
import io.airlock.scanner.engine.ScanEngine;
import io.airlock.scanner.engine.ScanOptions;
import io.airlock.scanner.engine.ScanPolicy;
import io.airlock.scanner.engine.ScanReport;
import io.airlock.scanner.engine.StageListener;

import java.nio.file.Path;

/**
 * The scan as the scanner service runs it: one engine in a JVM that has scanned before, so start-up
 * and JIT warm-up are not counted (the CLI pays them once per command). Prints the best of N scans.
 *
 *   java -cp cli/target/airlock-cli.jar bench/WarmScan.java FILE [N [POLICY]]
 *
 * POLICY is a builtin policy name (default: default); a torch zip needs permissive, the policy
 * that allows pickle-based formats and judges them by their findings.
 */
public class WarmScan {
    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        ScanOptions opts = ScanPolicy.builtin(args.length > 2 ? args[2] : "default").options(ScanOptions.defaults(Kind.MODEL));
        ScanEngine engine = new ScanEngine();
        engine.scan(file, opts, StageListener.NONE); // warm-up, not counted
        long best = Long.MAX_VALUE;
        ScanReport last = null;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            last = engine.scan(file, opts, StageListener.NONE);
            best = Math.min(best, System.nanoTime() - t0);
        }
        if (last.verdict() != io.airlock.scanner.engine.ScanVerdict.PASS) {
            System.err.println("the scan did not pass: " + last);
            System.exit(1);
        }
        System.out.printf("%.3f%n", best / 1e9);
    }
}
