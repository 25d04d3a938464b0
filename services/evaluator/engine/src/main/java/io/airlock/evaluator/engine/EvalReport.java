package io.airlock.evaluator.engine;

import io.airlock.contracts.StageResult;
import io.airlock.evaluator.engine.run.RunReport;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the evaluator did to one artifact, and on what.
 *
 * @param schemaVersion     {@value #SCHEMA}
 * @param stages            model_load then behavioral_test; a stage that did not run says why
 * @param executionProvider the ONNX Runtime provider that really ran ("CUDA" or "CPU"), or "none" when no runtime ran
 * @param gpu               "used", or "unavailable (reason)", e.g. "unavailable (CPU build of onnxruntime)"
 * @param runs              the corpus runs behind behavioral_test (empty when none ran)
 * @param isolation         how the evaluation was contained: {@code mode} (in-process or child-jvm),
 *                          {@code network}, {@code memory}, {@code cpu}, {@code timeout}...
 */
public record EvalReport(String schemaVersion, List<StageResult> stages, String executionProvider, String gpu,
                         List<RunReport> runs, Map<String, String> isolation) {
    public static final String SCHEMA = "airlock.eval/v1";

    public EvalReport {
        Objects.requireNonNull(schemaVersion, "schemaVersion");
        stages = List.copyOf(stages);
        executionProvider = Objects.requireNonNullElse(executionProvider, "none");
        gpu = Objects.requireNonNullElse(gpu, "");
        runs = runs == null ? List.of() : List.copyOf(runs);
        isolation = isolation == null ? Map.of() : new TreeMap<>(isolation);
    }

    /** A report without corpus runs, evaluated in-process. */
    public EvalReport(String schemaVersion, List<StageResult> stages, String executionProvider, String gpu) {
        this(schemaVersion, stages, executionProvider, gpu, List.of(), Map.of("mode", "in-process",
                "network", "not isolated (in-process)"));
    }

    /** The stage with this name, if the report has it. */
    public Optional<StageResult> stage(String name) {
        return stages.stream().filter(s -> s.stage().equals(name)).findFirst();
    }

    /** The same report with other isolation facts (the child runner adds what it enforced). */
    public EvalReport withIsolation(Map<String, String> facts) {
        return new EvalReport(schemaVersion, stages, executionProvider, gpu, runs, facts);
    }
}
