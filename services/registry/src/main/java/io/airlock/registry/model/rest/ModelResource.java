package io.airlock.registry.model.rest;

import io.airlock.registry.model.service.ModelQuery;
import io.airlock.registry.model.service.ModelService;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.rest.Params;
import io.airlock.access.Caller;
import io.smallrye.mutiny.Uni;
import java.util.Optional;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Promoted models: what may be served. Hacked submissions never appear here. */
@Path("/v1/models")
@RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "models", description = "Promoted models")
@SecurityScheme(securitySchemeName = "operator", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "Operator bearer token (its SHA-256 in airlock.registry.operator-token-sha256)")
public class ModelResource {

    @Inject
    ModelService models;
    @Inject
    Caller caller;

    @GET
    @Operation(summary = "List active models, newest first",
            description = "Active: promoted in their submission's current attempt and not deleted. Hacked, "
                    + "rejected, deleted and superseded (re-scanned) ones are never listed. Paginated with "
                    + "limit (1-200, default 50) and offset.")
    @APIResponse(responseCode = "200", description = "A page of models",
            content = @Content(schema = @Schema(implementation = ModelViews.PageView.class)))
    @APIResponse(responseCode = "400", description = "A filter or paging value is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ModelViews.PageView> list(
            @Parameter(description = "Only models promoted at or after this ISO-8601 instant") @QueryParam("since") String since,
            @Parameter(description = "Only models of this exact name") @QueryParam("name") String name,
            @Parameter(description = "Only models with this SHA-256 (64 hex, optionally sha256:)") @QueryParam("sha256") String sha256,
            @Parameter(description = "Page size, 1-200 (default 50)") @QueryParam("limit") String limit,
            @Parameter(description = "Items to skip (default 0)") @QueryParam("offset") String offset) {
        ModelQuery q = new ModelQuery(Params.present(since).map(v -> Params.instant("since", v)), Params.present(name),
                Params.present(sha256),
                // a submitter lists the models promoted from their own submissions only
                caller.seesEverything() ? Optional.empty() : Optional.of(caller.user()),
                Params.present(limit).map(v -> Params.integer("limit", v)).orElse(ModelQuery.DEFAULT_LIMIT),
                Params.present(offset).map(v -> Params.integer("offset", v)).orElse(0));
        return models.list(q).map(ModelViews.PageView::of);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One model, whatever its state (active, superseded, deleted)")
    @APIResponse(responseCode = "200", description = "The model",
            content = @Content(schema = @Schema(implementation = ModelViews.ModelView.class)))
    @APIResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ModelViews.ModelView> get(@PathParam("id") String id) {
        Uni<Void> visible = caller.seesEverything() ? Uni.createFrom().voidItem() : models.requireOwner(id, caller.user());
        return visible.chain(() -> models.get(id)).map(ModelViews.ModelView::of);
    }

    @DELETE
    @RolesAllowed(Roles.OPERATOR)
    @Path("/{id}")
    @SecurityRequirement(name = "operator")
    @Operation(summary = "Delete a model (operator)",
            description = "The model leaves the listing; its row stays, with who deleted it, when and why, and the "
                    + "audit log gets an entry. Deleting a deleted model changes nothing.")
    @APIResponse(responseCode = "200", description = "The model, now deleted",
            content = @Content(schema = @Schema(implementation = ModelViews.ModelView.class)))
    @APIResponse(responseCode = "401", description = "No valid operator token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "Operator endpoints are disabled (no token configured)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ModelViews.ModelView> delete(@PathParam("id") String id,
                                           @Parameter(description = "Why, for the record") @QueryParam("reason") String reason) {
        return models.delete(id, caller.actor(), Params.present(reason).orElse("deleted by an operator"))
                .map(ModelViews.ModelView::of);
    }
}
