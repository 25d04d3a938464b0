package io.airlock.scanner.engine;

import io.airlock.contracts.StageResult;

/** Told about each stage as soon as it completes, so progress can be shown live. */
@FunctionalInterface
public interface StageListener {
    StageListener NONE = r -> { };

    void onStage(StageResult result);
}
