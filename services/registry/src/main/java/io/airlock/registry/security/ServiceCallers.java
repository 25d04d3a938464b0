package io.airlock.registry.security;

import io.airlock.access.RefusalAudit;
import io.airlock.identity.Roles;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The registry's gRPC API (records, statuses, promotions) answers only the pipeline's own
 * services: a call must carry a token of the {@code service} role, verified by SmallRye JWT with
 * the same issuer, audience and keys as the REST API. No token: UNAUTHENTICATED; a person's token:
 * PERMISSION_DENIED. gRPC health stays open for probes.
 */
@GlobalInterceptor
@ApplicationScoped
public class ServiceCallers implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    JWTParser parser;
    @Inject
    RefusalAudit audit;

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (call.getMethodDescriptor().getServiceName() == null
                || call.getMethodDescriptor().getServiceName().startsWith("grpc.")) {
            return next.startCall(call, headers);
        }
        String header = headers.get(AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("a service token is required"));
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(header.substring(7).strip());
        } catch (ParseException e) {
            audit.refused(RefusalAudit.reason(e), call.getMethodDescriptor().getFullMethodName());
            return refuse(call, Status.UNAUTHENTICATED.withDescription("the service token is not valid"));
        }
        if (!jwt.getGroups().contains(Roles.SERVICE)) {
            return refuse(call, Status.PERMISSION_DENIED.withDescription("only Airlock's services may call the registry's gRPC API"));
        }
        return next.startCall(call, headers);
    }

    private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
