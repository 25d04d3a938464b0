package io.airlock.registry.task.rest;

import io.airlock.access.Caller;
import io.airlock.formats.TaskBundle;
import io.airlock.identity.Roles;
import io.airlock.registry.common.UniqueViolation;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.problem.ProblemException;
import io.airlock.registry.task.service.KernelTaskService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;

/**
 * Kernel tasks (kernelbot's layout), registered by operators and pinned by digest. Submitters read the
 * public parts: the parsed task.yml and the files the sandbox gives their kernel anyway (task.py); never
 * reference.py, which holds the generator and the checker.
 */
@Path("/v1/tasks")
@RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tasks", description = "Kernel tasks, by digest and version")
public class TaskResource {
    /** The tar's own headers and padding on top of TaskBundle's 4 MiB of files. */
    static final int MAX_BODY = TaskBundle.MAX_TOTAL_BYTES + (1 << 20);
    public static final String TAR = "application/x-tar";

    @Inject
    KernelTaskService tasks;
    @Inject
    Caller caller;

    @POST
    @RolesAllowed(Roles.OPERATOR)
    @Consumes({TAR, MediaType.APPLICATION_OCTET_STREAM})
    @SecurityRequirement(name = "operator")
    @Operation(summary = "Register a task (operator)",
            description = "Body: the task's folder as one plain tar (flat: task.yml, reference.py, task.py, ...; "
                    + "at most 64 files, 1 MiB each, 4 MiB in all; no links, folders or '..'). task.yml is parsed "
                    + "strictly; reference.py must define generate_input, ref_kernel and check_implementation; an "
                    + "eval.py is ignored and the answer's notes say so. The same files again: 200 with the existing "
                    + "version; changed files: 201 with the next version.")
    @APIResponse(responseCode = "201", description = "A new version",
            content = @Content(schema = @Schema(implementation = TaskViews.RegisteredView.class)))
    @APIResponse(responseCode = "200", description = "These files are registered under this name already",
            content = @Content(schema = @Schema(implementation = TaskViews.RegisteredView.class)))
    @APIResponse(responseCode = "400", description = "The archive, task.yml or reference.py is refused (multi-GPU tasks too)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Another registration of this name took the version: retry",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The body is larger than a task may be",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> register(@Parameter(description = "The task's name (a-z 0-9 _ . -)", required = true)
                                  @QueryParam("name") String name, byte[] body) {
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("bad-request", "the body must be the task's folder as a tar");
        }
        if (body.length > MAX_BODY) {
            throw new ProblemException(413, "too-large", "Payload too large",
                    "a task archive is at most " + MAX_BODY + " bytes");
        }
        return tasks.register(name, body, caller.actor()).onFailure(UniqueViolation::matches)
                .transform(e -> new ProblemException(409, "conflict", "Conflict",
                        "another registration of task '" + name + "' took the same version: retry"))
                .map(r -> (r.created() ? Response.created(URI.create("/v1/tasks/" + name)) : Response.ok())
                        .entity(new TaskViews.RegisteredView(r.created(), TaskViews.VersionView.of(r.task(), true)))
                        .build());
    }

    @GET
    @Operation(summary = "The newest version of every task")
    @APIResponse(responseCode = "200", description = "The tasks",
            content = @Content(schema = @Schema(implementation = TaskViews.ListView.class)))
    public Uni<TaskViews.ListView> list() {
        boolean everything = caller.seesEverything();
        return tasks.list().map(l -> new TaskViews.ListView(l.stream()
                .map(v -> TaskViews.VersionView.of(v, everything)).toList()));
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "A task: its newest version and every version")
    @APIResponse(responseCode = "200", description = "The task",
            content = @Content(schema = @Schema(implementation = TaskViews.TaskView.class)))
    @APIResponse(responseCode = "404", description = "No such task",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<TaskViews.TaskView> get(@PathParam("name") String name) {
        boolean everything = caller.seesEverything();
        return tasks.versions(name).map(vs -> {
            var views = vs.stream().map(v -> TaskViews.VersionView.of(v, everything)).toList();
            return new TaskViews.TaskView(name, views.get(0), views);
        });
    }

    @GET
    @Path("/{name}/versions/{version}/files/{file}")
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(summary = "A public file of a task version (task.yml, task.py ...)",
            description = "reference.py and other private files answer 404, whoever asks: the checker and the "
                    + "generator stay with the judge.")
    @APIResponse(responseCode = "200", description = "The file's bytes")
    @APIResponse(responseCode = "404", description = "No such version, or not a public file",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<byte[]> file(@PathParam("name") String name, @PathParam("version") int version,
                            @PathParam("file") String file) {
        return tasks.publicFile(name, version, file);
    }
}
