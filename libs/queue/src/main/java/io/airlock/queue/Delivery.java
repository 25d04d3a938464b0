package io.airlock.queue;

import io.smallrye.mutiny.Uni;

/**
 * One delivered entry, held by this consumer until {@link #ack()} or {@link #nack(Throwable)}.
 * Ack removes it from the group's pending list; nack leaves it pending, to be redelivered once it
 * has been idle for min-idle-time (by this consumer or another one), its error recorded for the
 * dead letter. Both are lazy; only the first one subscribed takes effect.
 */
public interface Delivery {
    StreamEntry entry();

    Uni<Void> ack();

    Uni<Void> nack(Throwable reason);
}
