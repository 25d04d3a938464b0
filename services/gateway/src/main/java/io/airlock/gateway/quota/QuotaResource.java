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
    /** Either may be left out; a negative value is refused. */
    public record Override(Long submissionsPerHour, Long bytesPerDay) {
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
    @Operation(summary = "Set one user's limits (operator role): submissionsPerHour, bytesPerDay")
    public Override set(@PathParam("user") String user, Override limits) {
        if (!Tokens.USER.matcher(user).matches()) {
            throw ProblemException.badRequest("bad-user", "the user must match " + Tokens.USER.pattern());
        }
        if (limits == null || (limits.submissionsPerHour() == null && limits.bytesPerDay() == null)
                || (limits.submissionsPerHour() != null && limits.submissionsPerHour() < 0)
                || (limits.bytesPerDay() != null && limits.bytesPerDay() < 0)) {
            throw ProblemException.badRequest("bad-quota", "give submissionsPerHour and/or bytesPerDay, each >= 0");
        }
        try {
            quotas.override(user, limits.submissionsPerHour(), limits.bytesPerDay());
        } catch (RuntimeException e) {
            throw ProblemException.unavailable("quota-unavailable", "the quota store is unavailable: " + e.getMessage(), 5);
        }
        Log.infof("AUDIT quota of %s set to %s by %s", user, limits, caller.actor());
        return limits;
    }
}
