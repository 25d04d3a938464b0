package io.airlock.gateway.precheck;

import io.airlock.contracts.v1.CheckRequest;
import io.airlock.contracts.v1.CheckResponse;
import io.airlock.contracts.v1.GuardGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC call to the guard, behind a circuit breaker: once the guard has failed repeatedly,
 * calls fail at once for a while instead of each waiting out the deadline. Tunable through
 * MicroProfile Fault Tolerance config ({@code io.airlock.gateway.precheck.GuardCaller/call/CircuitBreaker/delay}).
 */
@ApplicationScoped
public class GuardCaller {

    @GrpcClient("guard")
    GuardGrpc.GuardBlockingStub guard;
    @GrpcClient("guard")
    Channel channel;

    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 3000, successThreshold = 1)
    public CheckResponse call(CheckRequest request, Duration deadline) {
        try {
            return guard.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).check(request);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && channel instanceof ManagedChannel m) {
                // gRPC backs off reconnecting (up to minutes); a guard that came back should be
                // reached by the next request, not after the backoff
                m.resetConnectBackoff();
            }
            throw e;
        }
    }
}
