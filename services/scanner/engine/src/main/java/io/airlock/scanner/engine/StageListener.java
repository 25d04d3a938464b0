package io.airlock.scanner.engine;

import io.airlock.contracts.StageResult;

/**
 * Told of each stage as it completes, in order, for live progress. An exception thrown here
 * abandons the scan and reaches the caller of {@link ScanEngine#scan}: a stage that could not be
 * recorded must not be acknowledged as done.
 */
@FunctionalInterface
public interface StageListener {
    StageListener NONE = r -> {
    };

    void onStage(StageResult r);
}
