package io.airlock.evaluator.service;

import io.airlock.evaluator.engine.Evaluator;
import io.airlock.support.GrpcPeers;
import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

@ApplicationScoped
public class EvaluatorBeans {
    @Produces
    @ApplicationScoped
    Evaluator evaluator() {
        return new Evaluator();
    }

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
