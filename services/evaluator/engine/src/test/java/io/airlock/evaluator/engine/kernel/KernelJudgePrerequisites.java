package io.airlock.evaluator.engine.kernel;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Whether this machine can run the judge: Debian's python3 with torch and bubblewrap. */
public final class KernelJudgePrerequisites {
    private static volatile String missing;

    private KernelJudgePrerequisites() {
    }

    /** What is missing, or "" when the judge can run here. */
    public static synchronized String missing() {
        if (missing == null) {
            missing = probe();
        }
        return missing;
    }

    /** Skips with the reason; under CI=true (where .ci/run installs both) a missing piece fails instead. */
    public static void assumeOrFailUnderCi() {
        String why = missing();
        if (!why.isEmpty() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + why + " (.ci/run installs python3-torch and bubblewrap)");
        }
        Assumptions.assumeTrue(why.isEmpty(), why);
    }

    private static String probe() {
        if (!Files.isExecutable(Path.of("/usr/bin/bwrap"))) {
            return "bubblewrap is not installed (/usr/bin/bwrap)";
        }
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-I", "-c", "import torch, yaml")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return "/usr/bin/python3 has no torch or yaml (python3-torch, python3-yaml)";
            }
            return "";
        } catch (IOException e) {
            return "no /usr/bin/python3: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
