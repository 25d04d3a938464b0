package io.airlock.gateway.registry;

import io.airlock.gateway.problem.ProblemException;
import io.airlock.identity.Roles;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;

/** Kernel tasks (registry, docs/KERNEL-JUDGE.md), through the gateway (see {@link RegistryProxy}). */
@Path("/v1/tasks")
@Tag(name = "registry (passed through)")
public class TaskProxyResource {
    /**
     * A task's tar is small (the registry's TaskBundle takes 4 MiB of files); the gateway reads at most this
     * much of the body, never a model-sized upload, before it passes it on.
     */
    static final int MAX_TASK_TAR = 5 << 20;

    @Inject
    RegistryProxy proxy;

    @POST
    @Blocking
    @RolesAllowed(Roles.OPERATOR)
    @Consumes({"application/x-tar", MediaType.APPLICATION_OCTET_STREAM})
    @Operation(summary = "Register a kernel task (operator; body: the task folder as a tar; ?name=)")
    public Response register(InputStream body, @Context UriInfo uri, @Context HttpHeaders headers) throws IOException {
        byte[] tar = body.readNBytes(MAX_TASK_TAR + 1);
        if (tar.length > MAX_TASK_TAR) {
            throw new ProblemException(413, "too-large", "Payload too large", "a task archive is at most " + MAX_TASK_TAR + " bytes");
        }
        return proxy.pass("POST", "/v1/tasks", uri, headers, tar);
    }

    @GET
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "The newest version of every kernel task (registry)")
    public Response list(@Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/tasks", uri, headers);
    }

    @GET
    @Path("/{name}")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "A kernel task: newest version and every version (registry)")
    public Response task(@PathParam("name") String name, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/tasks/" + RegistryProxy.checked(name), uri, headers);
    }

    @GET
    @Path("/{name}/versions/{version}/files/{file}")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "A public file of a kernel task version (registry)")
    public Response file(@PathParam("name") String name, @PathParam("version") String version,
                         @PathParam("file") String file, @Context UriInfo uri, @Context HttpHeaders headers) {
        return proxy.pass("GET", "/v1/tasks/" + RegistryProxy.checked(name) + "/versions/" + RegistryProxy.checked(version)
                + "/files/" + RegistryProxy.checked(file), uri, headers);
    }
}
