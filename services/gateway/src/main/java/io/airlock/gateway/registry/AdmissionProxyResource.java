package io.airlock.gateway.registry;

import io.smallrye.common.annotation.Blocking;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The registry's signed admissions, read through the gateway (see {@link RegistryProxy}). */
@Path("/v1/admissions")
@Tag(name = "registry (passed through)")
public class AdmissionProxyResource {
    @Inject
    RegistryProxy proxy;

    @GET
    @Path("/key")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "The registry's admission public key (pin it; do not trust it from here alone)")
    public Response key(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/admissions/key", uri, headers);
    }

    @GET
    @Path("/{modelId}")
    @Blocking
    // the registry answers a submitter for their own models only (another's is a 404)
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "The signed admission (DSSE envelope of an in-toto statement) of an active model")
    public Response admission(@PathParam("modelId") String modelId, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/admissions/" + RegistryProxy.checked(modelId), uri, headers);
    }
}
