package io.airlock.cli;

import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.evaluator.engine.EvalOptions;
import io.airlock.evaluator.engine.EvalReport;
import io.airlock.evaluator.engine.EvalReportJson;
import io.airlock.evaluator.engine.Evaluator;
import io.airlock.evaluator.engine.IsolatedRunner;
import io.airlock.evaluator.engine.corpus.Corpora;
import io.airlock.evaluator.engine.corpus.CorpusSignature;
import io.airlock.evaluator.engine.kernel.KernelJudge;
import io.airlock.evaluator.engine.run.RunReport;
import io.airlock.signing.SigningException;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.formats.Sniff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/**
 * {@code airlock eval MODEL}: the evaluator's stages, locally, on the CPU, in the same isolated child
 * JVM and under the same limits as the evaluator service ({@link IsolatedRunner}); the report says
 * which isolation applied. MODEL is a file (a bare ONNX model, a model package archive) or a model
 * package folder. An external corpus is used with its signature state shown;
 * {@code --require-signed-corpus} refuses one no pinned key verifies. With {@code --task DIR}, MODEL
 * is a kernel submission and the kernel judge runs it in its sandbox against that task, exactly as
 * the evaluator service does.
 */
@Command(name = "eval", description = "Load a model in ONNX Runtime (CPU) in an isolated child process, run a corpus "
        + "against it and report what ran and how it was contained.",
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no stage failed (stages that did not run are listed with their reason)",
                "1:a stage failed (the model was refused), the model broke a limit or crashed the runtime (the report "
                        + "says which, with the signal and the step reached), or the content is no known format",
                "2:tool error"})
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "the model: a file or a model package folder")
    Path file;

    @Option(names = "--corpus", paramLabel = "NAME|FILE", defaultValue = "default",
            description = "a builtin corpus (default, ${COMPLETION-CANDIDATES}) or a corpus file (JSON v1)",
            completionCandidates = BuiltinCorpora.class)
    String corpus;

    @Option(names = "--corpus-signature", paramLabel = "SIG",
            description = "detached signature (base64 or raw) over the corpus file's bytes")
    Path corpusSignature;

    @Option(names = "--trusted-key", paramLabel = "PEM",
            description = "a public key (EC or Ed25519, PEM) trusted to sign corpora; repeatable")
    List<Path> trustedKeys = new ArrayList<>();

    @Option(names = "--require-signed-corpus",
            description = "refuse an external corpus that no trusted key verifies (exit 2)")
    boolean requireSigned;

    @Option(names = "--attempt-log", paramLabel = "FILE",
            description = "write every case's attempt as one JSON line to FILE")
    Path attemptLog;

    @Option(names = "--task", paramLabel = "DIR",
            description = "judge a kernel submission against this task folder (task.yml, reference.py, task.py)")
    Path task;

    @Option(names = "--python", paramLabel = "PATH", defaultValue = "/usr/bin/python3",
            description = "the interpreter with torch for the kernel judge (default ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--require-proof",
            description = "with --task: a behavioral test that did not run is a rejection (exit 1), not a pass")
    boolean requireProof;

    @Option(names = "--format", paramLabel = "text|json|sarif", defaultValue = "text",
            description = "output format (default ${DEFAULT-VALUE})")
    OutputFormat format;

    @Option(names = "--load-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "the child is killed when creating the ONNX Runtime session takes longer (default ${DEFAULT-VALUE})")
    long loadTimeoutSeconds;

    @Option(names = "--memory-limit", paramLabel = "MIB", defaultValue = "4096",
            description = "the child is killed when its resident memory exceeds this (default ${DEFAULT-VALUE})")
    long memoryLimitMib;

    @Option(names = "--in-process",
            description = "UNSAFE, for debugging only: run the untrusted model inside this command's own JVM, "
                    + "without the child's limits or isolation; a model that crashes the runtime takes the command down "
                    + "with no report")
    boolean inProcess;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean folder = Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS);
        if (!folder && !LocalFile.check(file, err)) {
            return ExitCodes.TOOL_ERROR;
        }
        if (task != null) {
            return judgeKernel(out, err);
        }
        EvalOptions options = EvalOptions.defaults();
        String signature = "";
        if (Corpora.builtin(corpus).isEmpty()) {
            Path corpusFile = Path.of(corpus);
            if (!LocalFile.check(corpusFile, err)) {
                err.println("airlock: --corpus is neither a builtin corpus (" + Corpora.DEFAULT_SUITE + ", "
                        + String.join(", ", Corpora.BUILTIN) + ") nor a readable file");
                return ExitCodes.TOOL_ERROR;
            }
            CorpusSignature.Result sig;
            try {
                sig = CorpusSignature.check(corpusFile, corpusSignature, CorpusSignature.keys(trustedKeys));
            } catch (SigningException e) {
                err.println("airlock: --trusted-key: " + e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
            signature = sig.describe();
            if (requireSigned && sig.status() != CorpusSignature.Status.VERIFIED) {
                err.println("airlock: corpus signature " + signature + "; --require-signed-corpus refuses it");
                return ExitCodes.TOOL_ERROR;
            }
            options = options.withCorpus(Corpora.DEFAULT_SUITE, corpusFile.toAbsolutePath().toString());
        } else {
            options = options.withCorpus(corpus, "");
        }
        // the format comes from content, as in the pipeline, never from the name; a folder is a package
        Sniff sniff = folder ? null : FormatSniffer.sniff(file);
        String sniffed = folder ? "folder" : sniff.format().id();
        EvalReport report;
        if (inProcess) {
            err.println("airlock: --in-process: the model runs inside this JVM, unisolated and unbounded (debugging only)");
            report = new Evaluator().evaluate(file, sniffed, options);
        } else {
            if (loadTimeoutSeconds < 1 || memoryLimitMib < 64) {
                err.println("airlock: --load-timeout must be at least 1 s and --memory-limit at least 64 MiB");
                return ExitCodes.TOOL_ERROR;
            }
            IsolatedRunner.Limits d = IsolatedRunner.Limits.defaults();
            IsolatedRunner.Limits limits = new IsolatedRunner.Limits(d.timeout(), d.maxHeapBytes(), d.cpus(),
                    d.cpuSeconds(), d.addressSpaceBytes(), d.isolateNetwork(), Duration.ofSeconds(loadTimeoutSeconds),
                    memoryLimitMib << 20);
            report = IsolatedRunner.forCurrentJvm(limits).evaluate(file, sniffed, options);
        }
        if (attemptLog != null) {
            try (Writer w = Files.newBufferedWriter(attemptLog, StandardCharsets.UTF_8)) {
                EvalReportJson.writeAttempts(report, w);
            }
        }
        // content that is no known format is malformed or truncated: a finding, not a pass
        boolean unknown = !folder && sniff.format() == Format.UNKNOWN;
        if (unknown) {
            err.println("airlock: format.unknown: the content matches no known format, nothing to evaluate ["
                    + sniff.evidence() + "]");
        }
        // a model that crashed the runtime or broke a limit is refused like a failing one; any other ERROR is the tool's
        boolean modelBrokeALimit = report.stages().stream().filter(s -> s.status() == StageStatus.ERROR)
                .flatMap(s -> s.findings().stream()).anyMatch(f -> IsolatedRunner.MODEL_CAUSED.contains(f.rule()));
        boolean failed = unknown || modelBrokeALimit
                || report.stages().stream().anyMatch(s -> s.status() == StageStatus.FAIL);
        boolean error = !modelBrokeALimit && report.stages().stream().anyMatch(s -> s.status() == StageStatus.ERROR);
        if (format == OutputFormat.json) {
            ObjectNode json = Reports.jsonTree(report);
            if (!signature.isEmpty()) {
                json.put("corpusSignature", signature);
            }
            out.println(json.toPrettyString());
        } else if (format == OutputFormat.sarif) {
            out.println(Reports.sarif(Evaluator.VERSION, file, folder ? 0 : Files.size(file), "", report.stages(),
                    report.stages().stream().flatMap(s -> s.findings().stream()).toList()));
        } else {
            Reports.stages(out, report.stages());
            long notRun = report.stages().stream().map(StageResult::status)
                    .filter(s -> s == StageStatus.NOT_RUN || s == StageStatus.SKIPPED).count();
            out.printf("executionProvider: %s  gpu: %s%n", report.executionProvider(), report.gpu());
            out.printf("isolation: %s%n", isolation(report));
            for (RunReport run : report.runs()) {
                out.printf("corpus: %s %s%s  flagged %d of %d, critical %d, undetermined %d%n", run.corpusName(),
                        run.corpusDigest(), signature.isEmpty() ? "" : "  signature: " + signature, run.flagged(),
                        run.total(), run.critical(), run.undetermined());
            }
            out.printf("result: %s  format=%s%s%n", error ? "ERROR" : failed ? "REJECT" : "PASS", sniffed,
                    notRun > 0 ? "  (" + notRun + " stage(s) not run, see reasons above)" : "");
        }
        out.flush();
        return error ? ExitCodes.TOOL_ERROR : failed ? ExitCodes.REJECT : ExitCodes.PASS;
    }

    private int judgeKernel(PrintWriter out, PrintWriter err) {
        if (!Files.isDirectory(task)) {
            err.println("airlock: --task " + task + " is not a folder");
            return ExitCodes.TOOL_ERROR;
        }
        KernelJudge.Options defaults = KernelJudge.Options.defaults();
        StageResult stage = new KernelJudge(new KernelJudge.Options(python, defaults.timeout(), defaults.reps(),
                defaults.checkFraction(), defaults.settleSeconds())).judge(file, task);
        boolean failed = stage.status() == StageStatus.FAIL
                || (requireProof && stage.status() == StageStatus.NOT_RUN);
        String verdict = stage.status() == StageStatus.ERROR ? "ERROR" : KernelJudge.hacked(stage) ? "HACKED"
                : failed ? "REJECT" : stage.status() == StageStatus.NOT_RUN ? "PASS (unproven: behavioral test not run)"
                : "PASS";
        if (format == OutputFormat.json) {
            ObjectNode json = Reports.jsonTree(Map.of("stages", List.of(stage), "result", verdict));
            out.println(json.toPrettyString());
        } else if (format == OutputFormat.sarif) {
            try {
                out.println(Reports.sarif(KernelJudge.class.getSimpleName(), file, Files.size(file), "", List.of(stage),
                        stage.findings()));
            } catch (IOException e) {
                err.println("airlock: " + e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
        } else {
            Reports.stages(out, List.of(stage));
            stage.details().forEach((k, v) -> {
                if (!k.equals("reason") && !k.equals("trace")) {
                    out.printf("  %s: %s%n", k, v);
                }
            });
            out.printf("result: %s%n", verdict);
        }
        out.flush();
        return stage.status() == StageStatus.ERROR ? ExitCodes.TOOL_ERROR : failed ? ExitCodes.REJECT : ExitCodes.PASS;
    }

    /** What contained the model, on one line: the mode first, then each enforced limit. */
    static String isolation(EvalReport r) {
        StringJoiner j = new StringJoiner("; ");
        j.add(r.isolation().getOrDefault("mode", "unknown"));
        for (String k : List.of("network", "memory", "cpu", "timeout", "loadTimeout", "killed", "signal", "lastStep")) {
            if (r.isolation().containsKey(k)) {
                j.add(k + " " + r.isolation().get(k));
            }
        }
        return j.toString();
    }

    /** The builtin corpus names, for the help text and shell completion. */
    static final class BuiltinCorpora implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Corpora.BUILTIN.iterator();
        }
    }
}
