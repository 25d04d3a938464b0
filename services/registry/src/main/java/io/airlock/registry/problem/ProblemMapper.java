package io.airlock.registry.problem;

import io.airlock.registry.common.DatabaseUnavailable;
import io.airlock.registry.common.RegistryException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every REST error leaves the registry as application/problem+json, never as an HTML page or a bare 500. */
public class ProblemMapper {

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(e.toProblem(uri.getPath())).build();
    }

    @ServerExceptionMapper
    public Response registry(RegistryException e, UriInfo uri) {
        return problem(switch (e.reason()) {
            case NOT_FOUND -> ProblemException.notFound(e.getMessage());
            case INVALID_ARGUMENT -> ProblemException.badRequest("bad-request", e.getMessage());
            case FAILED_PRECONDITION -> new ProblemException(409, "conflict", "Conflict", e.getMessage());
        }, uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        String slug = e instanceof NotFoundException ? "not-found"
                : e instanceof NotAllowedException ? "method-not-allowed"
                : status < 500 ? "bad-request" : "server-error";
        return problem(new ProblemException(status, slug, e.getResponse().getStatusInfo().getReasonPhrase(),
                String.valueOf(e.getMessage())), uri);
    }

    /**
     * The last resort. A database that cannot be reached is a temporary outage (503, retry);
     * anything else is a 500 whose details go to the log, not to the caller.
     */
    @ServerExceptionMapper(priority = Priorities.USER + 100)
    public Response unexpected(Throwable e, UriInfo uri) {
        if (DatabaseUnavailable.matches(e)) {
            Log.warnf("request %s failed, database unreachable: %s", uri.getPath(), e.toString());
            Response r = problem(new ProblemException(503, "database-unavailable", "Service unavailable",
                    "the registry's database is unavailable; try again"), uri);
            return Response.fromResponse(r).header("Retry-After", "5").build();
        }
        Log.errorf(e, "request %s failed", uri.getPath());
        return problem(new ProblemException(500, "server-error", "Internal server error",
                "the registry could not answer; the error is logged"), uri);
    }
}
