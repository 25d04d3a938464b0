package io.airlock.gateway.registry;

import io.smallrye.common.annotation.Blocking;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Models, conformance evaluations and the audit log, through the gateway (see {@link RegistryProxy}). */
@Path("/v1")
@Tag(name = "registry (passed through)")
public class RegistryProxyResource {
    @Inject
    RegistryProxy proxy;

    @GET
    @Path("/models")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "Promoted models (registry): ?since=&name=&sha256=&limit=&offset=")
    public Response models(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/models", uri, headers);
    }

    @GET
    @Path("/models/{id}")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "One model with its state (registry)")
    public Response model(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/models/" + RegistryProxy.checked(id), uri, headers);
    }

    @DELETE
    @Path("/models/{id}")
    @Blocking
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Delete a model (operator role; the audit trail stays)")
    public Response deleteModel(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("DELETE", "/v1/models/" + RegistryProxy.checked(id), uri, headers);
    }

    @GET
    @Path("/evaluations")
    @Blocking
    @RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "Conformance evaluations with their status (registry): ?limit=&offset=")
    public Response evaluations(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/evaluations", uri, headers);
    }

    @GET
    @Path("/evaluations/{name}")
    @Blocking
    @RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "One evaluation: phase, conditions, lastResult, history (registry)")
    public Response evaluation(@PathParam("name") String name, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/evaluations/" + RegistryProxy.checked(name), uri, headers);
    }

    @POST
    @Path("/evaluations/{name}/run")
    @Blocking
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Run an evaluation now (operator role; 409 while a run is in flight)")
    public Response runEvaluation(@PathParam("name") String name, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("POST", "/v1/evaluations/" + RegistryProxy.checked(name) + "/run", uri, headers);
    }

    @GET
    @Path("/evaluations/{name}/runs/{runId}")
    @Blocking
    @RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "One conformance run, case by case (registry)")
    public Response evaluationRun(@PathParam("name") String name, @PathParam("runId") String runId,
                                  @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/evaluations/" + RegistryProxy.checked(name) + "/runs/"
                + RegistryProxy.checked(runId), uri, headers);
    }

    @GET
    @Path("/audit")
    @Blocking
    @RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "The audit log, in sequence order (registry)")
    public Response audit(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/audit", uri, headers);
    }

    @GET
    @Path("/audit/verify")
    @Blocking
    @RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "Verify the audit log's hash chain (registry)")
    public Response verify(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/audit/verify", uri, headers);
    }
}
