package io.airlock.evaluator.engine;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.corpus.Corpora;
import io.airlock.evaluator.engine.corpus.Corpus;
import io.airlock.evaluator.engine.corpus.CorpusReader;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.pkg.ModelPackage;
import io.airlock.evaluator.engine.pkg.PackageException;
import io.airlock.evaluator.engine.pkg.PackageLoader;
import io.airlock.evaluator.engine.run.RunReport;
import io.airlock.evaluator.engine.run.SuiteRunner;
import io.airlock.evaluator.engine.runtime.DecoderIo;
import io.airlock.evaluator.engine.runtime.ExecutionProviders;
import io.airlock.evaluator.engine.runtime.Generator;
import io.airlock.evaluator.engine.runtime.HfTokenizer;
import io.airlock.evaluator.engine.runtime.TextTokenizer;
import io.airlock.evaluator.engine.runtime.UnsupportedModelException;
import io.airlock.formats.ByteSource;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxExternalData;
import io.airlock.formats.OnnxModelHeader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Loads a model in ONNX Runtime and, for a model package, runs the behavioral suite against it.
 *
 * <p>A bare ONNX file gets {@code model_load} only: without tokenizer and prompt framing no prompt
 * can be run, and {@code behavioral_test} says so. A model package (a folder, or a zip/tar/tar.gz
 * archive of one) gets both. Any other format gets neither, with the reason. A stage that did not
 * run is NOT_RUN with its reason, never PASS.
 *
 * <p>Sessions are plain (see {@link ExecutionProviders}): no custom operator library, bounded
 * threads, CUDA only when creating a CUDA session really works. Thread-safe: each call has its own
 * session. Runs in the calling JVM; {@link IsolatedRunner} runs it in a child JVM instead.
 */
public final class Evaluator {
    public static final String VERSION = "airlock-evaluator-engine/0.2.0";
    public static final String MODEL_LOAD = "model_load";
    public static final String BEHAVIORAL_TEST = "behavioral_test";
    static final String PACKAGE_SHAPE = "a model package is a folder, or a zip/tar archive of one, holding model.onnx, "
            + "tokenizer.json and airlock-model.json";
    static final String BARE_ONNX_REASON = "not a model package (model.onnx + tokenizer.json + airlock-model.json): "
            + "a bare ONNX model has no tokenizer or prompt framing, so no prompt can be run";
    private static final Set<String> ARCHIVES = Set.of("zip", "tar", "gzip", "model_package");
    private static final int MAX_HEADER_FIELDS = 100_000;
    /** Fields visited when looking for external data; a large LLM graph has a few million. */
    private static final long MAX_WALK_FIELDS = 50_000_000;

    private final Progress progress;

    /** An evaluator that reports no progress. */
    public Evaluator() {
        this(Progress.NONE);
    }

    /** An evaluator that tells {@code progress} each step as it starts (the isolated child prints them). */
    public Evaluator(Progress progress) {
        this.progress = Objects.requireNonNull(progress);
    }

    /**
     * Loads what every evaluation loads (ONNX Runtime's native library and environment, the builtin
     * corpora, the JSON writers) without touching any artifact, so a standby child does it before its
     * work arrives. A failure here is left for the evaluation itself to report.
     */
    public static void warmUp() {
        try {
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "airlock-evaluator");
            Corpora.defaultSuite();
            EvalReportJson.write(new EvalReport(EvalReport.SCHEMA, List.of(), "none", ""));
        } catch (Exception | LinkageError e) {
            // the evaluation meets the same failure and reports it with its stage
        }
    }

    /** Evaluates one file whose format (by content, from the scanner: e.g. "onnx", "zip") is {@code format}. */
    public EvalReport evaluate(Path file, String format) {
        return evaluate(file, format, EvalOptions.defaults());
    }

    /** Evaluates with explicit options (limits, thresholds, corpus, forced CPU). */
    public EvalReport evaluate(Path file, String format, EvalOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        String f = Objects.requireNonNullElse(format, "").strip().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS) || ARCHIVES.contains(f)) {
            return evaluatePackage(file, options);
        }
        if (!f.equals("onnx")) {
            String shown = f.isEmpty() ? "(none)" : f;
            return new EvalReport(EvalReport.SCHEMA, List.of(
                    StageResult.notRun(MODEL_LOAD, "ONNX Runtime cannot run format " + shown),
                    StageResult.notRun(BEHAVIORAL_TEST, notRunnableReason(shown))),
                    "none", ExecutionProviders.notTried("no model was run"));
        }
        return bareOnnx(file, options);
    }

    static String notRunnableReason(String format) {
        String what = switch (format) {
            case "gguf" -> "a bare GGUF file is not runnable here (the evaluator runs ONNX model packages)";
            case "safetensors" -> "a bare safetensors file holds weights without a graph, so nothing can run it";
            case "pickle", "pytorch_zip", "pytorch_legacy", "joblib" -> "a pickle-based checkpoint is never loaded "
                    + "(loading runs code)";
            default -> "format " + format + " is not runnable here";
        };
        return "no model was loaded: " + what + "; " + PACKAGE_SHAPE;
    }

    private EvalReport bareOnnx(Path file, EvalOptions options) {
        Loaded l = load(file, options, false);
        StageResult behavioral = l.stage.status() == StageStatus.PASS
                ? StageResult.notRun(BEHAVIORAL_TEST, BARE_ONNX_REASON)
                : StageResult.notRun(BEHAVIORAL_TEST, "the model did not load (" + l.stage.status() + ")");
        l.close();
        return new EvalReport(EvalReport.SCHEMA, List.of(l.stage, behavioral), l.provider, l.gpu);
    }

    private EvalReport evaluatePackage(Path artifact, EvalOptions o) {
        long t0 = System.nanoTime();
        ModelPackage pkg;
        progress.reached(Progress.Step.UNPACK, artifact.getFileName() == null ? "" : artifact.getFileName().toString());
        try {
            pkg = PackageLoader.open(artifact, o.packageLimits(), o.tempRoot());
        } catch (PackageException e) {
            String gpu = ExecutionProviders.notTried("no model was run");
            if (e.kind() == PackageException.Kind.NOT_RUNNABLE) {
                return new EvalReport(EvalReport.SCHEMA, List.of(
                        StageResult.notRun(MODEL_LOAD, e.getMessage()),
                        StageResult.notRun(BEHAVIORAL_TEST, e.getMessage() + "; " + PACKAGE_SHAPE)), "none", gpu);
            }
            StageResult load = new StageResult(MODEL_LOAD, StageStatus.FAIL, micros(t0), List.of(new Finding(
                    "eval.package_invalid", Severity.HIGH, MODEL_LOAD, "", e.getMessage(), e.evidence())), Map.of());
            return new EvalReport(EvalReport.SCHEMA, List.of(load,
                    StageResult.notRun(BEHAVIORAL_TEST, "the model package was rejected: " + e.getMessage())), "none", gpu);
        } catch (IOException | RuntimeException e) {
            StageResult load = new StageResult(MODEL_LOAD, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.internal_error", Severity.HIGH, MODEL_LOAD, "", "the package could not be opened", e.toString())),
                    Map.of());
            return new EvalReport(EvalReport.SCHEMA, List.of(load,
                    StageResult.notRun(BEHAVIORAL_TEST, "the package could not be opened")), "none",
                    ExecutionProviders.notTried("no model was run"));
        }
        try (pkg; Loaded l = load(pkg.model(), o, true)) {
            l.details.put("package", pkg.layout() + (pkg.entries() > 0 ? ", " + pkg.entries() + " members, "
                    + pkg.unpackedBytes() + " bytes unpacked" : ""));
            StageResult load = l.stage.status() == StageStatus.PASS
                    ? new StageResult(MODEL_LOAD, StageStatus.PASS, l.stage.durationMicros(), List.of(), l.details)
                    : l.stage;
            if (load.status() != StageStatus.PASS) {
                return new EvalReport(EvalReport.SCHEMA, List.of(load, StageResult.notRun(BEHAVIORAL_TEST,
                        "the model did not load (" + load.status() + ")")), l.provider, l.gpu);
            }
            StageResult behavioral = behavioral(pkg, l, o);
            List<RunReport> runs = l.run == null ? List.of() : List.of(l.run);
            return new EvalReport(EvalReport.SCHEMA, List.of(load, behavioral), l.provider, l.gpu, runs,
                    Map.of("mode", "in-process", "network", "not isolated (in-process)"));
        }
    }

    private StageResult behavioral(ModelPackage pkg, Loaded l, EvalOptions o) {
        long t0 = System.nanoTime();
        Corpus corpus;
        try {
            corpus = corpus(o);
        } catch (SpecException | IOException e) {
            return new StageResult(BEHAVIORAL_TEST, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.corpus_invalid", Severity.HIGH, BEHAVIORAL_TEST, o.corpusFile(), "the corpus could not be used",
                    e.getMessage())), Map.of("reason", "corpus unusable"));
        }
        DecoderIo io;
        try {
            io = DecoderIo.discover(l.session);
        } catch (UnsupportedModelException e) {
            return StageResult.notRun(BEHAVIORAL_TEST, "the model is not a decoder the evaluator can drive: " + e.getMessage());
        } catch (OrtException e) {
            return StageResult.notRun(BEHAVIORAL_TEST, "the model's inputs could not be read: " + e.getMessage());
        }
        TextTokenizer tok;
        try {
            tok = HfTokenizer.load(pkg.tokenizer(), pkg.config().addSpecialTokens());
        } catch (IOException | RuntimeException | LinkageError e) {
            return new StageResult(BEHAVIORAL_TEST, StageStatus.FAIL, micros(t0), List.of(new Finding(
                    "eval.package_invalid", Severity.HIGH, BEHAVIORAL_TEST, "tokenizer.json",
                    "tokenizer.json could not be loaded", String.valueOf(e.getMessage()))), Map.of());
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("executionProvider", l.provider);
        env.put("gpu", l.gpu);
        env.put("onnxruntime", l.ortVersion);
        env.put("evaluator", VERSION);
        env.put("modelSha256", sha256(pkg.model()));
        env.put("decoder", io.describe());
        boolean cache = o.useKvCache() && io.hasCache();
        env.put("cacheMode", cache ? "kv-cache" : "no-cache");
        try (tok; Generator gen = new Generator(l.env, l.session, io)) {
            long deadline = System.nanoTime() + o.runTimeout().toNanos();
            RunReport run = SuiteRunner.run(corpus, pkg.config(), tok, gen, new SuiteRunner.Settings(o.maxNewTokens(),
                    o.perPromptTimeout().toNanos(), deadline, o.useKvCache(), o.maxConsecutiveTimeouts(),
                    o.maxStepOutputBytes()), env, progress);
            l.run = run;
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("executionProvider", l.provider);
            extra.put("gpu", l.gpu);
            extra.put("decoder", io.describe());
            extra.put("modelSha256", env.get("modelSha256"));
            extra.put("onnxruntime", l.ortVersion);
            extra.put("evaluator", VERSION);
            return BehavioralStage.decide(run, o, extra, micros(t0));
        } catch (RuntimeException e) {
            return new StageResult(BEHAVIORAL_TEST, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.internal_error", Severity.HIGH, BEHAVIORAL_TEST, "", "the behavioral run could not complete",
                    e.toString())), Map.of("reason", "internal error"));
        }
    }

    private static Corpus corpus(EvalOptions o) throws SpecException, IOException {
        if (!o.corpusFile().isEmpty()) {
            return CorpusReader.read(Path.of(o.corpusFile()));
        }
        return Corpora.builtin(o.corpus()).orElseThrow(() -> new SpecException("no builtin corpus named '" + o.corpus()
                + "' (" + Corpora.DEFAULT_SUITE + ", " + String.join(", ", Corpora.BUILTIN) + ")"));
    }

    /** A loaded (or refused) model: the model_load stage and, when it passed, the open session. */
    private static final class Loaded implements AutoCloseable {
        StageResult stage;
        Map<String, String> details = new LinkedHashMap<>();
        OrtEnvironment env;
        OrtSession session;
        String provider = "none";
        String gpu = ExecutionProviders.notTried("no model was run");
        String ortVersion = "unknown";
        RunReport run;

        @Override
        public void close() {
            if (session != null) {
                try {
                    session.close();
                } catch (OrtException e) {
                    // closing a session only frees memory; nothing to report
                }
                session = null;
            }
        }
    }

    /**
     * Loads {@code file} on the best provider. Inside a package, external data has already been
     * checked to stay inside it; a single file may not name any (there is nothing beside it that
     * was submitted), so there it is refused before ONNX Runtime opens the model.
     */
    private Loaded load(Path file, EvalOptions o, boolean inPackage) {
        long t0 = System.nanoTime();
        Loaded l = new Loaded();
        Map<String, String> details = l.details;
        header(file, details);
        if (!inPackage) {
            StageResult external = externalData(file, details, t0);
            if (external != null) {
                l.stage = external;
                return l;
            }
        }
        try {
            l.env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "airlock-evaluator");
            l.ortVersion = l.env.getVersion();
        } catch (Exception | LinkageError e) {
            // the runtime itself is missing: an evaluator failure, never a verdict on the model
            l.stage = new StageResult(MODEL_LOAD, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.runtime_unavailable", Severity.HIGH, MODEL_LOAD, "", "ONNX Runtime could not start",
                    e.toString())), details);
            return l;
        }
        try {
            // ONNX Runtime optimizes and folds the graph here: the isolated child's parent bounds this step's time
            progress.reached(Progress.Step.SESSION, file.getFileName().toString());
            ExecutionProviders.Opened opened = ExecutionProviders.open(l.env, file, o.forceCpu(), o.cudaDevice(),
                    o.intraOpThreads(), o.maxDeviceMemoryBytes());
            progress.reached(Progress.Step.SESSION_READY, opened.provider());
            l.session = opened.session();
            l.provider = opened.provider();
            l.gpu = opened.gpu();
            details.put("executionProvider", l.provider);
            details.put("gpu", l.gpu);
            if (!opened.gpuDetail().isEmpty()) {
                details.put("gpuError", clip(opened.gpuDetail(), 500));
            }
            details.put("onnxruntime", l.ortVersion);
            details.put("inputs", describe(l.session.getInputInfo()));
            details.put("outputs", describe(l.session.getOutputInfo()));
            details.put("loadMillis", Long.toString((System.nanoTime() - t0) / 1_000_000));
            l.stage = new StageResult(MODEL_LOAD, StageStatus.PASS, micros(t0), List.of(), details);
        } catch (OrtException e) {
            details.put("executionProvider", "none");
            details.put("loadMillis", Long.toString((System.nanoTime() - t0) / 1_000_000));
            l.stage = new StageResult(MODEL_LOAD, StageStatus.FAIL, micros(t0), List.of(new Finding(
                    "eval.model_load_failed", Severity.HIGH, MODEL_LOAD, file.getFileName().toString(),
                    "ONNX Runtime refused the model", String.valueOf(e.getMessage()))), details);
        } catch (RuntimeException | OutOfMemoryError e) {
            l.stage = new StageResult(MODEL_LOAD, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.internal_error", Severity.HIGH, MODEL_LOAD, "", "model load could not complete",
                    e.toString())), details);
        }
        return l;
    }

    /**
     * Refuses a single-file model whose tensors live in external files before ONNX Runtime opens
     * it. ORT itself refuses absolute and escaping paths, but reads any file in the model's folder,
     * which for a blob store is other people's artifacts. Returns null when the model is self-contained.
     */
    private static StageResult externalData(Path file, Map<String, String> details, long t0) {
        List<OnnxExternalData.Ref> refs;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            refs = OnnxExternalData.find(ByteSource.of(ch), MAX_WALK_FIELDS);
        } catch (MalformedException e) {
            return new StageResult(MODEL_LOAD, StageStatus.FAIL, micros(t0), List.of(new Finding(
                    "eval.model_load_failed", Severity.HIGH, MODEL_LOAD, "offset " + e.offset(),
                    "the model's protobuf structure is malformed", e.getMessage())), details);
        } catch (IOException e) {
            return new StageResult(MODEL_LOAD, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.internal_error", Severity.HIGH, MODEL_LOAD, "", "could not read the model", e.toString())),
                    details);
        }
        if (refs.isEmpty()) {
            return null;
        }
        StringJoiner ev = new StringJoiner(", ");
        refs.stream().limit(10).forEach(r -> ev.add("tensor '" + r.tensor() + "' -> '" + r.location() + "'"));
        if (refs.size() > 10) {
            ev.add("... " + (refs.size() - 10) + " more");
        }
        return new StageResult(MODEL_LOAD, StageStatus.FAIL, micros(t0), List.of(new Finding(
                "eval.external_data", Severity.HIGH, MODEL_LOAD, "offset " + refs.get(0).offset(),
                refs.size() + " tensor(s) keep their data in external files, which a single-file artifact cannot carry",
                ev.toString())), details);
    }

    /** IR version and opsets from the scanner engine's ModelProto reader; ORT does not expose them. */
    private static void header(Path file, Map<String, String> details) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            OnnxModelHeader h = OnnxModelHeader.read(ByteSource.of(ch), MAX_HEADER_FIELDS);
            details.put("irVersion", Long.toString(h.irVersion()));
            details.put("opset", h.defaultOpset() < 0 ? "none" : Long.toString(h.defaultOpset()));
            StringJoiner all = new StringJoiner(", ");
            h.opsetImports().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> all.add((e.getKey().isEmpty() ? "ai.onnx" : e.getKey()) + "=" + e.getValue()));
            details.put("opsetImports", all.toString());
            if (!h.producerName().isEmpty()) {
                details.put("producer", (h.producerName() + " " + h.producerVersion()).strip());
            }
        } catch (IOException | MalformedException e) {
            details.put("irVersion", "unreadable");
            details.put("opset", "unreadable");
            details.put("headerError", String.valueOf(e.getMessage()));
        }
    }

    /** name:type:shape for each value, "; "-separated; a symbolic or unknown dimension prints as its name or "?". */
    static String describe(Map<String, ai.onnxruntime.NodeInfo> infos) {
        StringJoiner j = new StringJoiner("; ");
        for (ai.onnxruntime.NodeInfo n : infos.values()) {
            ai.onnxruntime.ValueInfo v = n.getInfo();
            if (v instanceof ai.onnxruntime.TensorInfo t) {
                long[] shape = t.getShape();
                String[] names = t.getDimensionNames();
                StringJoiner dims = new StringJoiner(",", "[", "]");
                for (int i = 0; i < shape.length; i++) {
                    if (shape[i] >= 0) {
                        dims.add(Long.toString(shape[i]));
                    } else {
                        dims.add(names != null && i < names.length && !names[i].isEmpty() ? names[i] : "?");
                    }
                }
                j.add(n.getName() + ":" + t.type + ":" + dims);
            } else {
                j.add(n.getName() + ":" + v.getClass().getSimpleName().replace("Info", "").toUpperCase() + ":[]");
            }
        }
        return j.toString();
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    private static String clip(String s, int n) {
        return s.length() > n ? s.substring(0, n) + "..." : s;
    }

    private static long micros(long t0) {
        return (System.nanoTime() - t0) / 1000;
    }
}
