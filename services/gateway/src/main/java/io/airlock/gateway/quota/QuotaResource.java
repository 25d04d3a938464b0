package io.airlock.gateway.quota;

import io.airlock.access.Caller;
import io.airlock.gateway.problem.ProblemException;
import io.airlock.identity.Roles;
import io.airlock.identity.Tokens;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Per-user quota overrides, set by operators. */
@Path("/v1/quotas")
@Tag(name = "identity")
public class QuotaResource {
    /** Any may be left out (that limit stays as it is); a negative value is refused. */
    public record Override(Long submissionsPerHour, Long bytesPerDay, Long inFlight) {
    }

    @Inject
    Quotas quotas;
    @Inject
    Caller caller;

    @PUT
    @Path("/{user}")
    @Blocking
    @RolesAllowed(Roles.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set one user's limits (operator role): submissionsPerHour, bytesPerDay, inFlight")
    public Override set(@PathParam("user") String user, Override limits) {
        if (!Tokens.USER.matcher(user).matches()) {
            throw ProblemException.badRequest("bad-user", "the user must match " + Tokens.USER.pattern());
        }
        if (limits == null || (limits.submissionsPerHour() == null && limits.bytesPerDay() == null
                && limits.inFlight() == null) || negative(limits.submissionsPerHour()) || negative(limits.bytesPerDay())
                || negative(limits.inFlight())) {
            throw ProblemException.badRequest("bad-quota",
                    "give one or more of submissionsPerHour, bytesPerDay, inFlight, each >= 0");
        }
        try {
            quotas.override(user, limits.submissionsPerHour(), limits.bytesPerDay(), limits.inFlight());
        } catch (RuntimeException e) {
            throw ProblemException.unavailable("quota-unavailable", "the quota store is unavailable: " + e.getMessage(), 5);
        }
        Log.infof("AUDIT quota of %s set to %s by %s", user, limits, caller.actor());
        return limits;
    }

    private static boolean negative(Long n) {
        return n != null && n < 0;
    }
}
