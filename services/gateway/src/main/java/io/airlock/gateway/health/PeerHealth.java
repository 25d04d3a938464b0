package io.airlock.gateway.health;

import io.airlock.support.GrpcPeers;
import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** The gateway's gRPC peers, asked over their real channels. */
public class PeerHealth {

    /** Without the registry nothing can be recorded, so nothing can be accepted: not ready. */
    @Readiness
    @ApplicationScoped
    public static class Registry implements HealthCheck {
        @GrpcClient("registry")
        Channel channel;

        @Override
        public HealthCheckResponse call() {
            return GrpcPeers.check("registry", channel, 1000);
        }
    }

    /**
     * The guard is reported but never makes the gateway unready: its outage is handled by the
     * gate's failure mode (a clear 503 in fail-closed, a flagged pass in fail-open), which is
     * better for callers than a gateway taken out of the load balancer.
     */
    @Readiness
    @ApplicationScoped
    public static class Guard implements HealthCheck {
        @GrpcClient("guard")
        Channel channel;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponse r = GrpcPeers.check("guard", channel, 1000);
            return HealthCheckResponse.named("guard").up()
                    .withData("guard", r.getStatus().name())
                    .build();
        }
    }
}
