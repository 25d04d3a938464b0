package io.airlock.cli;

import io.airlock.contracts.Kind;
import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardInput;
import io.airlock.guard.engine.GuardPolicy;
import io.airlock.guard.engine.GuardResult;
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

    @Option(names = "--format", paramLabel = "json|text", defaultValue = "text",
            description = "output format (default ${DEFAULT-VALUE})")
    OutputFormat format;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!LocalFile.check(file, err)) {
            return ExitCodes.TOOL_ERROR;
        }
        GuardInput in = GuardInput.ofFile(kind, claimedFormat, file.getFileName().toString(), Files.size(file), file);
        GuardResult result = new GuardEngine(GuardPolicy.defaults()).check(in);
        if (format == OutputFormat.json) {
            out.println(Reports.json(result));
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
