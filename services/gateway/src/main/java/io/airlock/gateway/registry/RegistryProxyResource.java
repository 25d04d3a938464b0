package io.airlock.gateway.registry;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Models and the audit log, read through the gateway (see {@link RegistryProxy}). */
@Path("/v1")
@Tag(name = "registry (passed through)")
public class RegistryProxyResource {
    @Inject
    RegistryProxy proxy;

    @GET
    @Path("/models")
    @Blocking
    @Operation(summary = "Promoted models (registry): ?since=&name=&sha256=&limit=&offset=")
    public Response models(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/models", uri, headers);
    }

    @GET
    @Path("/models/{id}")
    @Blocking
    @Operation(summary = "One model with its state (registry)")
    public Response model(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/models/" + RegistryProxy.checked(id), uri, headers);
    }

    @DELETE
    @Path("/models/{id}")
    @Blocking
    @Operation(summary = "Delete a model (operator token; the audit trail stays)")
    public Response deleteModel(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("DELETE", "/v1/models/" + RegistryProxy.checked(id), uri, headers);
    }

    @GET
    @Path("/audit")
    @Blocking
    @Operation(summary = "The audit log, in sequence order (registry)")
    public Response audit(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/audit", uri, headers);
    }

    @GET
    @Path("/audit/verify")
    @Blocking
    @Operation(summary = "Verify the audit log's hash chain (registry)")
    public Response verify(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/audit/verify", uri, headers);
    }
}
