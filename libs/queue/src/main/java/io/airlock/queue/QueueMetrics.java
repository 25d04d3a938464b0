package io.airlock.queue;

/** What a consumer counts; the connector backs it with Micrometer, tests with nothing. */
public interface QueueMetrics {
    QueueMetrics NONE = new QueueMetrics() {
    };

    default void delivered(boolean redelivery) {
    }

    default void acked(long handlerNanos) {
    }

    default void nacked(long handlerNanos) {
    }

    default void reclaimed(int count) {
    }

    default void deadLettered() {
    }

    /** Latest XLEN and pending count of the consumer's stream and group. */
    default void depth(long length, long pending) {
    }
}
