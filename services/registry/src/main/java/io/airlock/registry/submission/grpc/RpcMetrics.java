package io.airlock.registry.submission.grpc;

import io.airlock.registry.submission.service.WriteResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.function.Supplier;

/**
 * Meters of the gRPC API: {@code airlock_registry_rpc_seconds{rpc,code}} for every call and
 * {@code airlock_registry_writes_total{rpc,outcome}} for writes (APPLIED, DUPLICATE, STALE).
 * A rising DUPLICATE rate means redeliveries; STALE means late or out-of-order workers.
 */
@ApplicationScoped
class RpcMetrics {
    @Inject
    MeterRegistry meters;

    /** Runs {@code call}, timing it; every failure leaves as a gRPC status. */
    <T> Uni<T> timed(String rpc, Supplier<Uni<? extends T>> call) {
        return Uni.createFrom().item(() -> Timer.start(meters)).flatMap(sample -> Uni.createFrom().<T>deferred(call)
                .onFailure().transform(GrpcErrors::toStatus)
                .onItemOrFailure().invoke((item, failure) -> sample.stop(meters.timer("airlock.registry.rpc",
                        "rpc", rpc, "code", code(failure).name()))));
    }

    /** As {@link #timed}, and counts the write's outcome. */
    Uni<WriteResult> write(String rpc, Supplier<Uni<? extends WriteResult>> call) {
        return timed(rpc, call).invoke(r -> meters.counter("airlock.registry.writes", "rpc", rpc,
                "outcome", r.outcome().name()).increment());
    }

    private static Status.Code code(Throwable failure) {
        if (failure == null) {
            return Status.Code.OK;
        }
        return failure instanceof StatusRuntimeException s ? s.getStatus().getCode() : Status.Code.UNKNOWN;
    }
}
