package io.airlock.gateway.identity;

import io.airlock.access.Caller;
import io.airlock.access.Revoker;
import io.airlock.gateway.problem.ProblemException;
import io.airlock.identity.Roles;
import io.airlock.identity.Tokens;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Map;

/**
 * Revocation of one token (by {@code jti}) or of every token a user holds now (by {@code sub}).
 * Every service reads the deny list on every request, so the next request with such a token is
 * refused; open event streams of the user end at their next poll.
 */
@Path("/v1/revocations")
@Tag(name = "identity")
public class RevocationResource {
    /** One of the two. */
    public record Revocation(String jti, String user) {
    }

    @Inject
    Revoker revoker;
    @Inject
    Caller caller;

    @POST
    @Blocking
    @RolesAllowed(Roles.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Revoke a token by its jti, or every token of a user issued until now (operator role)")
    public Map<String, String> revoke(Revocation r) {
        boolean byToken = r != null && r.jti() != null && !r.jti().isBlank();
        boolean byUser = r != null && r.user() != null && !r.user().isBlank();
        if (byToken == byUser) {
            throw ProblemException.badRequest("bad-revocation", "give exactly one of 'jti' and 'user'");
        }
        String value = byToken ? r.jti().strip() : r.user().strip();
        if (!Tokens.USER.matcher(value).matches()) {
            throw ProblemException.badRequest("bad-revocation", "'" + (byToken ? "jti" : "user") + "' must match "
                    + Tokens.USER.pattern());
        }
        try {
            if (byToken) {
                revoker.revokeToken(value);
            } else {
                revoker.revokeUser(value);
            }
        } catch (RuntimeException e) {
            throw ProblemException.unavailable("identity-unavailable",
                    "the revocation list is unavailable (" + e.getMessage() + "); nothing was revoked", 5);
        }
        Log.infof("AUDIT revoked %s=%s by %s", byToken ? "jti" : "user", value, caller.actor());
        return byToken ? Map.of("revoked", "token", "jti", value) : Map.of("revoked", "user", "user", value);
    }
}
