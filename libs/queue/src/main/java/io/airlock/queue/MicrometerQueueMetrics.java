package io.airlock.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** {@link QueueMetrics} as Micrometer meters named {@code airlock_queue_*}, tagged by channel, stream and group. */
final class MicrometerQueueMetrics implements QueueMetrics {
    private final AtomicLong length = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    /** -1 while Redis does not report a lag; the gauge shows NaN then rather than a made-up 0. */
    private final AtomicLong lag = new AtomicLong(-1);
    private final Counter delivered;
    private final Counter redelivered;
    private final Counter acked;
    private final Counter nacked;
    private final Counter reclaimed;
    private final Counter deadLettered;
    private final Counter deletedCleaned;
    private final Timer handling;

    MicrometerQueueMetrics(MeterRegistry reg, String channel, ConsumerOptions o, IntSupplier inFlight) {
        Tags tags = Tags.of("channel", channel, "stream", o.stream(), "group", o.group());
        // strong references: the registry would otherwise let these gauges' state be collected
        Gauge.builder("airlock_queue_stream_length", length, AtomicLong::get).tags(tags).strongReference(true)
                .description("XLEN of the stream").register(reg);
        Gauge.builder("airlock_queue_pending", pending, AtomicLong::get).tags(tags).strongReference(true)
                .description("entries delivered to the group and not yet acknowledged").register(reg);
        Gauge.builder("airlock_queue_lag", lag, l -> l.get() < 0 ? Double.NaN : l.get()).tags(tags).strongReference(true)
                .description("entries not yet delivered to the group (NaN where Redis does not report it)").register(reg);
        Gauge.builder("airlock_queue_in_flight", inFlight, s -> s.getAsInt()).tags(tags).strongReference(true)
                .description("entries held by this consumer").register(reg);
        delivered = reg.counter("airlock_queue_delivered", tags.and("redelivery", "false"));
        redelivered = reg.counter("airlock_queue_delivered", tags.and("redelivery", "true"));
        acked = reg.counter("airlock_queue_acked", tags);
        nacked = reg.counter("airlock_queue_nacked", tags);
        reclaimed = reg.counter("airlock_queue_reclaimed", tags);
        deadLettered = reg.counter("airlock_queue_dead_lettered", tags);
        deletedCleaned = reg.counter("airlock_queue_deleted_cleaned", tags);
        handling = Timer.builder("airlock_queue_handling").tags(tags).publishPercentileHistogram()
                .description("from delivery to acknowledgement or failure").register(reg);
    }

    @Override
    public void delivered(boolean redelivery) {
        (redelivery ? redelivered : delivered).increment();
    }

    @Override
    public void acked(long nanos) {
        acked.increment();
        handling.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void nacked(long nanos) {
        nacked.increment();
        handling.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void reclaimed(int count) {
        reclaimed.increment(count);
    }

    @Override
    public void deadLettered() {
        deadLettered.increment();
    }

    @Override
    public void deletedCleaned(int count) {
        deletedCleaned.increment(count);
    }

    @Override
    public void depth(long len, long pend, OptionalLong lg) {
        length.set(len);
        pending.set(pend);
        lag.set(lg.orElse(-1));
    }
}
