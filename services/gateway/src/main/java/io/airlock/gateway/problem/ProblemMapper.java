package io.airlock.gateway.problem;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves the gateway as application/problem+json; none as an HTML page or a bare 500. */
public class ProblemMapper {

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response.ResponseBuilder r = Response.status(e.status())
                .type(Problem.MEDIA_TYPE)
                .entity(e.toProblem(uri.getPath()));
        e.headers().forEach(r::header);
        return r.build();
    }

    /** A registry that cannot be reached is a temporary outage, not an internal error. */
    @ServerExceptionMapper
    public Response grpc(StatusRuntimeException e, UriInfo uri) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.NOT_FOUND) {
            return problem(ProblemException.notFound(e.getStatus().getDescription()), uri);
        }
        if (code == Status.Code.FAILED_PRECONDITION) {
            return problem(new ProblemException(409, "conflict", "Conflict", e.getStatus().getDescription()), uri);
        }
        if (code == Status.Code.INVALID_ARGUMENT) {
            return problem(ProblemException.badRequest("invalid", e.getStatus().getDescription()), uri);
        }
        Log.warnf("registry call failed: %s", e.getStatus());
        return problem(ProblemException.unavailable("registry-unavailable",
                "the registry is unavailable (" + code + "); nothing was accepted, try again", 5), uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        String slug;
        if (e instanceof NotFoundException) {
            slug = "not-found";
        } else if (e instanceof NotAllowedException) {
            slug = "method-not-allowed";
        } else if (e instanceof NotSupportedException) {
            slug = "unsupported-media-type";
        } else {
            slug = status == 413 ? "too-large" : status < 500 ? "bad-request" : "server-error";
        }
        String title = e.getResponse().getStatusInfo().getReasonPhrase();
        return problem(new ProblemException(status, slug, title, String.valueOf(e.getMessage()),
                java.util.Map.of(), java.util.Map.of()), uri);
    }
}
