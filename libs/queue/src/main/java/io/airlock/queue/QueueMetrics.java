package io.airlock.queue;

import java.util.OptionalLong;

/**
 * What a consumer counts. The connector backs it with Micrometer ({@code airlock_queue_*}); the
 * plain engine tests record it in memory. Implementations must be cheap and never throw.
 */
public interface QueueMetrics {
    QueueMetrics NONE = new QueueMetrics() {
    };

    /** An entry handed to the application; {@code redelivery} when it had been delivered before. */
    default void delivered(boolean redelivery) {
    }

    /** Acknowledged; {@code handlerNanos} from delivery to acknowledgement. */
    default void acked(long handlerNanos) {
    }

    /** Failed and left pending for redelivery. */
    default void nacked(long handlerNanos) {
    }

    /** Entries taken over from idle consumers (crashed, or this one after a nack). */
    default void reclaimed(int count) {
    }

    default void deadLettered() {
    }

    /** Pending entries whose stream entry had been deleted, acknowledged without delivery. */
    default void deletedCleaned(int count) {
    }

    /** Latest XLEN, group pending count and, where Redis reports it, the group's lag. */
    default void depth(long length, long pending, OptionalLong lag) {
    }
}
