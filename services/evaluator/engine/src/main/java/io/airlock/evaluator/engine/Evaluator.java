package io.airlock.evaluator.engine;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.scanner.engine.format.ByteSource;
import io.airlock.scanner.engine.format.MalformedException;
import io.airlock.scanner.engine.format.OnnxExternalData;
import io.airlock.scanner.engine.format.OnnxModelHeader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Loads a model in ONNX Runtime on the CPU and reports what it is; behavioral tests come later.
 *
 * <p>The session is as plain as ORT allows: the CPU provider only, no custom operator library
 * registered (an operator from an unknown domain fails the load rather than running native code
 * the model brought), one intra-op and one inter-op thread, sequential execution. Reports say
 * what really ran: {@code executionProvider: CPU}, and the GPU as unavailable with its reason.
 * Thread-safe: each call has its own session.
 */
public final class Evaluator {
    public static final String VERSION = "airlock-evaluator-engine/0.1.0";
    public static final String MODEL_LOAD = "model_load";
    public static final String BEHAVIORAL_TEST = "behavioral_test";
    static final String BEHAVIORAL_REASON = "not a model package (model.onnx + tokenizer.json + airlock-model.json): "
            + "behavioral corpora arrive with the evaluator issue (#5)";
    private static final int MAX_HEADER_FIELDS = 100_000;
    /** Fields visited when looking for external data; a large LLM graph has a few million. */
    private static final long MAX_WALK_FIELDS = 50_000_000;

    /** Evaluates one file whose format (by content, from the scanner: e.g. "onnx") is {@code format}. */
    public EvalReport evaluate(Path file, String format) {
        Objects.requireNonNull(file, "file");
        String f = Objects.requireNonNullElse(format, "").strip();
        if (!f.equals("onnx")) {
            return new EvalReport(EvalReport.SCHEMA, List.of(
                    StageResult.notRun(MODEL_LOAD, "ONNX Runtime cannot run format " + (f.isEmpty() ? "(none)" : f)),
                    StageResult.notRun(BEHAVIORAL_TEST, "no model was loaded: format " + (f.isEmpty() ? "(none)" : f)
                            + " is not runnable here")),
                    "none", gpu());
        }
        StageResult load = load(file);
        StageResult behavioral = load.status() == StageStatus.PASS
                ? StageResult.notRun(BEHAVIORAL_TEST, BEHAVIORAL_REASON)
                : StageResult.notRun(BEHAVIORAL_TEST, "the model did not load (" + load.status() + ")");
        return new EvalReport(EvalReport.SCHEMA, List.of(load, behavioral), "CPU", gpu());
    }

    private StageResult load(Path file) {
        long t0 = System.nanoTime();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("executionProvider", "CPU");
        header(file, details);
        StageResult external = externalData(file, details, t0);
        if (external != null) {
            return external;
        }
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "airlock-evaluator");
        } catch (Exception | LinkageError e) {
            // the runtime itself is missing: an evaluator failure, never a verdict on the model
            return new StageResult(MODEL_LOAD, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.runtime_unavailable", Severity.HIGH, MODEL_LOAD, "", "ONNX Runtime could not start",
                    e.toString())), details);
        }
        try (OrtSession.SessionOptions opts = options();
             OrtSession session = env.createSession(file.toString(), opts)) {
            details.put("inputs", describe(session.getInputInfo()));
            details.put("outputs", describe(session.getOutputInfo()));
            details.put("loadMillis", Long.toString((System.nanoTime() - t0) / 1_000_000));
            return new StageResult(MODEL_LOAD, StageStatus.PASS, micros(t0), List.of(), details);
        } catch (OrtException e) {
            details.put("loadMillis", Long.toString((System.nanoTime() - t0) / 1_000_000));
            return new StageResult(MODEL_LOAD, StageStatus.FAIL, micros(t0), List.of(new Finding(
                    "eval.model_load_failed", Severity.HIGH, MODEL_LOAD, file.getFileName().toString(),
                    "ONNX Runtime refused the model", String.valueOf(e.getMessage()))), details);
        } catch (RuntimeException | OutOfMemoryError e) {
            return new StageResult(MODEL_LOAD, StageStatus.ERROR, micros(t0), List.of(new Finding(
                    "eval.internal_error", Severity.HIGH, MODEL_LOAD, "", "model load could not complete",
                    e.toString())), details);
        }
    }

    static OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(1);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        return o;
    }

    /**
     * Refuses a model whose tensors live in external files before ONNX Runtime opens it. ORT itself
     * refuses absolute and escaping paths, but reads any file in the model's folder, which for a
     * blob store is other people's artifacts; a single-file artifact has no files beside it.
     * Returns null when the model is self-contained.
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
    static String describe(Map<String, NodeInfo> infos) {
        StringJoiner j = new StringJoiner("; ");
        for (NodeInfo n : infos.values()) {
            ValueInfo v = n.getInfo();
            if (v instanceof TensorInfo t) {
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

    /** Says honestly whether a GPU could be used, from the providers this ONNX Runtime build has. */
    static String gpu() {
        EnumSet<OrtProvider> providers;
        try {
            providers = OrtEnvironment.getAvailableProviders();
        } catch (Exception | LinkageError e) {
            return "unavailable (onnxruntime could not start: " + e.getClass().getSimpleName() + ")";
        }
        if (providers.contains(OrtProvider.CUDA) || providers.contains(OrtProvider.TENSOR_RT)) {
            return "not used (this onnxruntime build has " + providers + ", but the evaluator runs on CPU)";
        }
        return "unavailable (CPU build of onnxruntime)";
    }

    private static long micros(long t0) {
        return (System.nanoTime() - t0) / 1000;
    }
}
