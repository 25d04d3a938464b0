package io.airlock.support;

import io.airlock.contracts.StageResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/** One histogram for every stage of every worker: {@code airlock_stage_duration_seconds{stage,status}}. */
public final class StageMetrics {
    private StageMetrics() {
    }

    public static void record(MeterRegistry meters, StageResult stage) {
        Timer.builder("airlock_stage_duration")
                .description("duration of one quarantine stage")
                .tags("stage", stage.stage(), "status", stage.status().name())
                .publishPercentileHistogram()
                .register(meters)
                .record(Duration.ofNanos(stage.durationMicros() * 1000));
    }
}
