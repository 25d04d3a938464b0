package io.airlock.cli;

import io.airlock.contracts.Kind;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardPolicy;
import io.airlock.guard.engine.GuardResult;
import io.airlock.guard.engine.GuardRules;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.guard.engine.GuardVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code airlock guard FILE --kind K}: the gateway's precheck, locally. */
@Command(name = "guard", description = "Run the fast precheck (the guard) on an artifact locally.",
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:allow", "1:block", "2:tool error"})
final class GuardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the artifact")
    Path file;

    @Option(names = "--kind", required = true, paramLabel = "model|kernel", converter = KindConverter.class,
            description = "what the artifact is submitted as")
    Kind kind;

    @Option(names = "--claimed-format", paramLabel = "F", defaultValue = "",
            description = "the format the submitter claims (a format id such as safetensors, or an extension)")
    String claimedFormat;

    @Option(names = "--format", paramLabel = "text|json|sarif", defaultValue = "text",
            description = "output format (default ${DEFAULT-VALUE})")
    OutputFormat format;

    @Option(names = "--profile", paramLabel = "default|strict|permissive", defaultValue = "default",
            description = "rule profile (default ${DEFAULT-VALUE}); a rules file's own profile wins")
    String profile;

    @Option(names = "--rules", paramLabel = "FILE", description = "rules file (YAML): profile and per-rule outcomes")
    Path rulesFile;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!LocalFile.check(file, err)) {
            return ExitCodes.TOOL_ERROR;
        }
        GuardRules rules;
        try {
            rules = rulesFile != null ? GuardRules.load(rulesFile, profile) : GuardRules.profile(profile);
        } catch (IllegalArgumentException | IOException e) {
            err.println("airlock: " + (rulesFile != null ? "--rules: " : "--profile: ") + e.getMessage());
            return ExitCodes.TOOL_ERROR;
        }
        if (!rules.loosened().isEmpty()) {
            err.println("airlock: rules loosened by " + rules.source() + ": " + String.join(", ", rules.loosened()));
        }
        GuardInput in = GuardInput.ofFile(kind, claimedFormat, file.getFileName().toString(), Files.size(file), file);
        GuardResult result = new GuardEngine(GuardPolicy.defaults().withRules(rules)).check(in);
        if (format == OutputFormat.json) {
            out.println(Reports.json(result));
        } else if (format == OutputFormat.sarif) {
            StageResult stage = new StageResult(GuardEngine.STAGE, result.verdict() == GuardVerdict.ALLOW
                    ? StageStatus.PASS : StageStatus.FAIL, result.durationMicros(), result.findings(),
                    Map.of("profile", rules.profileName(), "detectedFormat", result.detectedFormat()));
            out.println(Reports.sarif(GuardEngine.VERSION, file, Files.size(file), "", List.of(stage), result.findings()));
        } else {
            out.printf("%-16s %-8s %9s  detectedFormat=%s%n", GuardEngine.STAGE, result.verdict(),
                    String.format("%.1f ms", result.durationMicros() / 1000.0), result.detectedFormat());
            Reports.findings(out, result.findings());
            out.printf("verdict: %s%n", result.verdict());
        }
        out.flush();
        return result.verdict() == GuardVerdict.ALLOW ? ExitCodes.PASS : ExitCodes.REJECT;
    }
}
