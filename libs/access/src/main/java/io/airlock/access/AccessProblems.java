package io.airlock.access;

import io.quarkus.security.AuthenticationException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Refusals of identity as {@code application/problem+json} with RFC 6750 challenges: 401 without
 * a token ({@code WWW-Authenticate: Bearer realm="airlock"}), 401 {@code invalid_token} for a token
 * that is malformed, expired, of another issuer or audience, signed by an unknown key or revoked,
 * 403 {@code insufficient_scope} for a role that may not call the endpoint, 503 when the deny list
 * cannot be read. Refusals in the HTTP layer (before a body is read) go through the route failure
 * handler, those inside JAX-RS through the exception mappers; both write the same answer.
 */
@ApplicationScoped
public class AccessProblems {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String REALM = "Bearer realm=\"airlock\"";
    private static final int RETRY_AFTER_SECONDS = 5;

    /** A status, a problem document and its headers; {@code refusedToken}: a presented token was refused. */
    record Answer(int status, JsonObject problem, String challenge, boolean refusedToken) {
        Answer(int status, JsonObject problem, String challenge) {
            this(status, problem, challenge, false);
        }
    }

    @Inject
    RefusalAudit audit;

    void install(@Observes Router router) {
        router.route().order(-10).failureHandler(this::failure);
    }

    private void failure(RoutingContext ctx) {
        Answer a = answer(ctx.failure(), ctx.normalizedPath());
        if (a == null || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        if (a.refusedToken) {
            audit.refused(RefusalAudit.reason(ctx.failure()), ctx.normalizedPath());
        }
        var r = ctx.response().setStatusCode(a.status).putHeader("Content-Type", MEDIA_TYPE);
        if (a.challenge != null) {
            r.putHeader("WWW-Authenticate", a.challenge);
        }
        if (a.status == 503) {
            r.putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        }
        r.end(a.problem.encode());
    }

    @ServerExceptionMapper({AuthenticationFailedException.class, TokenRevokedException.class, UnauthorizedException.class, ForbiddenException.class,
            IdentityUnavailableException.class})
    public Response mapped(RuntimeException e, UriInfo uri) {
        Answer a = answer(e, uri.getPath());
        if (a.refusedToken) {
            audit.refused(RefusalAudit.reason(e), uri.getPath());
        }
        Response.ResponseBuilder r = Response.status(a.status).type(MEDIA_TYPE).entity(a.problem.encode());
        if (a.challenge != null) {
            r.header("WWW-Authenticate", a.challenge);
        }
        if (a.status == 503) {
            r.header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        }
        return r.build();
    }

    /** The answer to a failure of identity, or null for any other failure. */
    static Answer answer(Throwable failure, String path) {
        Throwable e = unwrap(failure);
        if (e instanceof IdentityUnavailableException) {
            return new Answer(503, problem("identity-unavailable", "Service Unavailable", 503,
                    e.getMessage() + "; nothing was done, try again", path), null);
        }
        if (e instanceof TokenRevokedException) {
            return invalid(e.getMessage(), path);
        }
        if (e instanceof AuthenticationException) {
            // the verifier's reason is logged by SmallRye JWT; callers get the classes of reasons only
            return invalid("the bearer token is not valid: malformed, expired, not yet valid, for another issuer "
                    + "or audience, or not signed by a trusted key", path);
        }
        if (e instanceof UnauthorizedException) {
            return new Answer(401, problem("unauthorized", "Unauthorized", 401,
                    "a bearer token is required (Authorization: Bearer <token>; see `airlock token issue`)", path), REALM);
        }
        if (e instanceof ForbiddenException) {
            return new Answer(403, problem("forbidden", "Forbidden", 403,
                    "the token's role may not do this", path),
                    REALM + ", error=\"insufficient_scope\", error_description=\"the token's role may not do this\"");
        }
        return null;
    }

    private static Answer invalid(String detail, String path) {
        return new Answer(401, problem("invalid-token", "Unauthorized", 401, detail, path),
                REALM + ", error=\"invalid_token\", error_description=\"" + detail.replace('"', '\'') + "\"", true);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        for (int i = 0; i < 5 && t != null; i++) {
            if (t instanceof IdentityUnavailableException || t instanceof TokenRevokedException) {
                return t;
            }
            t = t.getCause();
        }
        return e;
    }

    private static JsonObject problem(String slug, String title, int status, String detail, String path) {
        return new JsonObject().put("type", "https://airlock.dev/problems/" + slug).put("title", title)
                .put("status", status).put("detail", detail).put("instance", path);
    }
}
