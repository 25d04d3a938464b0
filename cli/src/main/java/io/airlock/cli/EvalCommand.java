package io.airlock.cli;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.EvalReport;
import io.airlock.evaluator.engine.Evaluator;
import io.airlock.scanner.engine.Format;
import io.airlock.scanner.engine.FormatSniffer;
import io.airlock.scanner.engine.Sniff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code airlock eval FILE}: the evaluator's stages, locally, on the CPU. */
@Command(name = "eval", description = "Load a model in ONNX Runtime (CPU) locally and report what ran.",
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no stage failed (stages that did not run are listed with their reason)",
                "1:a stage failed (the model was refused), or the content is no known format", "2:tool error"})
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the model")
    Path file;

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
        // the format comes from content, as in the pipeline, never from the name
        Sniff sniff = FormatSniffer.sniff(file);
        String sniffed = sniff.format().id();
        EvalReport report = new Evaluator().evaluate(file, sniffed);
        // content that is no known format is malformed or truncated: a finding, not a pass
        boolean unknown = sniff.format() == Format.UNKNOWN;
        if (unknown) {
            err.println("airlock: format.unknown: the content matches no known format, nothing to evaluate ["
                    + sniff.evidence() + "]");
        }
        boolean failed = unknown || report.stages().stream().anyMatch(s -> s.status() == StageStatus.FAIL);
        boolean error = report.stages().stream().anyMatch(s -> s.status() == StageStatus.ERROR);
        if (format == OutputFormat.json) {
            out.println(Reports.json(report));
        } else {
            Reports.stages(out, report.stages());
            long notRun = report.stages().stream().map(StageResult::status)
                    .filter(s -> s == StageStatus.NOT_RUN || s == StageStatus.SKIPPED).count();
            out.printf("executionProvider: %s  gpu: %s%n", report.executionProvider(), report.gpu());
            out.printf("result: %s  format=%s%s%n", error ? "ERROR" : failed ? "REJECT" : "PASS", sniffed,
                    notRun > 0 ? "  (" + notRun + " stage(s) not run, see reasons above)" : "");
        }
        out.flush();
        return error ? ExitCodes.TOOL_ERROR : failed ? ExitCodes.REJECT : ExitCodes.PASS;
    }
}
