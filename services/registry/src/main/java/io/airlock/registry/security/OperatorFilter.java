package io.airlock.registry.security;

import io.airlock.registry.RegistryConfig;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.problem.ProblemException;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Every REST call that changes something (any method but GET, HEAD, OPTIONS under /v1) needs an
 * operator bearer token: secure by default, so a write endpoint added later is not open by
 * accident. Only SHA-256 digests of tokens are configured; the presented token is hashed and the
 * digests compared in constant time. No digest configured: such calls answer 403. Reads stay open
 * until roles land (issue 6, access control).
 */
public class OperatorFilter {
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    /** Looked up per request: filters are built at static init, before runtime config exists. */
    @Inject
    Instance<RegistryConfig> config;
    @Inject
    Instance<Caller> caller;

    @ServerRequestFilter
    public Optional<Response> check(ContainerRequestContext ctx) {
        if (READS.contains(ctx.getMethod()) || !ctx.getUriInfo().getPath().startsWith("/v1/")) {
            return Optional.empty();
        }
        List<byte[]> allowed = config.get().operatorTokenSha256().orElse(List.of()).stream()
                .map(h -> h.strip().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .map(h -> h.getBytes(StandardCharsets.US_ASCII)).toList();
        if (allowed.isEmpty()) {
            return deny(ctx, 403, "forbidden", "Forbidden",
                    "operator endpoints are disabled: no airlock.registry.operator-token-sha256 is configured");
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String digest = sha256(header.substring(7).strip());
            byte[] given = digest.getBytes(StandardCharsets.US_ASCII);
            boolean ok = false;
            for (byte[] a : allowed) {
                // no early exit: every digest is compared, each in constant time
                ok |= MessageDigest.isEqual(given, a);
            }
            if (ok) {
                // the audit log names the token by a digest prefix, never by the token
                caller.get().actor("operator:" + digest.substring(0, 12));
                return Optional.empty();
            }
        }
        return deny(ctx, 401, "unauthorized", "Unauthorized",
                "an operator bearer token is required (Authorization: Bearer <token>)");
    }

    private static Optional<Response> deny(ContainerRequestContext ctx, int status, String slug, String title,
                                           String detail) {
        Response.ResponseBuilder r = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(new ProblemException(status, slug, title, detail).toProblem(ctx.getUriInfo().getPath()));
        if (status == 401) {
            r.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return Optional.of(r.build());
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
