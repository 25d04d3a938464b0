package io.airlock.evaluator.service;

import io.airlock.support.GrpcPeers;
import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

@ApplicationScoped
public class EvaluatorBeans {
    /** Outcomes must be recorded before a message is acknowledged: without the registry, not ready. */
    @Readiness
    @ApplicationScoped
    public static class RegistryHealth implements HealthCheck {
        @GrpcClient("registry")
        Channel channel;

        @Override
        public HealthCheckResponse call() {
            return GrpcPeers.check("registry", channel, 1000);
        }
    }
}
