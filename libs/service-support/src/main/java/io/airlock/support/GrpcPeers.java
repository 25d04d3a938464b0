package io.airlock.support;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import org.eclipse.microprofile.health.HealthCheckResponse;

import java.util.concurrent.TimeUnit;

/**
 * Readiness of a gRPC peer, asked the standard way (grpc.health.v1.Health/Check), so "ready"
 * means the peer answered over the real channel, not that a port was open.
 */
public final class GrpcPeers {
    private GrpcPeers() {
    }

    public static HealthCheckResponse check(String name, Channel channel, long deadlineMillis) {
        var b = HealthCheckResponse.named(name);
        try {
            var reply = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                    .check(HealthOuterClass.HealthCheckRequest.getDefaultInstance());
            boolean serving = reply.getStatus() == HealthOuterClass.HealthCheckResponse.ServingStatus.SERVING;
            return b.status(serving).withData("status", reply.getStatus().name()).build();
        } catch (StatusRuntimeException e) {
            return b.down().withData("reason", e.getStatus().getCode() + " " + String.valueOf(e.getStatus().getDescription()))
                    .build();
        }
    }
}
