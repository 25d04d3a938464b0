package io.airlock.evaluator.engine;

import io.airlock.contracts.StageResult;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the evaluator did to one artifact, and on what.
 *
 * @param schemaVersion     {@value #SCHEMA}
 * @param stages            model_load then behavioral_test; a stage that did not run says why
 * @param executionProvider the ONNX Runtime provider that really ran ("CPU"), or "none" when no runtime ran
 * @param gpu               whether a GPU was used, and if not why, e.g. "unavailable (CPU build of onnxruntime)"
 */
public record EvalReport(String schemaVersion, List<StageResult> stages, String executionProvider, String gpu) {
    public static final String SCHEMA = "airlock.eval/v1";

    public EvalReport {
        Objects.requireNonNull(schemaVersion, "schemaVersion");
        stages = List.copyOf(stages);
        executionProvider = Objects.requireNonNullElse(executionProvider, "none");
        gpu = Objects.requireNonNullElse(gpu, "");
    }

    /** The stage with this name, if the report has it. */
    public Optional<StageResult> stage(String name) {
        return stages.stream().filter(s -> s.stage().equals(name)).findFirst();
    }
}
