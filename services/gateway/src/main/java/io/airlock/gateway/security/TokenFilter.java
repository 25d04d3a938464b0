package io.airlock.gateway.security;

import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.problem.Problem;
import io.airlock.gateway.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Bearer-token check on the API when tokens are configured ({@code airlock.gateway.tokens}).
 * Comparison is constant-time so the answer's timing does not leak a token's prefix.
 */
public class TokenFilter {
    /** Looked up per request: filters are built at static init, before runtime config exists. */
    @Inject
    jakarta.enterprise.inject.Instance<GatewayConfig> config;

    @ServerRequestFilter
    public Optional<Response> check(ContainerRequestContext ctx) {
        List<String> tokens = config.get().tokens().orElse(List.of());
        if (tokens.isEmpty() || !ctx.getUriInfo().getPath().startsWith("/v1/")) {
            return Optional.empty();
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
            for (String t : tokens) {
                if (MessageDigest.isEqual(given, t.getBytes(StandardCharsets.UTF_8))) {
                    return Optional.empty();
                }
            }
        }
        ProblemException p = new ProblemException(401, "unauthorized", "Unauthorized",
                "a valid bearer token is required (Authorization: Bearer <token>)");
        return Optional.of(Response.status(401).type(Problem.MEDIA_TYPE)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .entity(p.toProblem(ctx.getUriInfo().getPath())).build());
    }
}
