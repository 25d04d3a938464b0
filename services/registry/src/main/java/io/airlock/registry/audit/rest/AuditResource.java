package io.airlock.registry.audit.rest;

import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.audit.service.AuditQuery;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.rest.Params;
import io.smallrye.mutiny.Uni;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The hash-chained audit log: read it, and verify that nothing in it was edited, removed or reordered. */
@Path("/v1/audit")
@RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "audit", description = "Append-only, hash-chained log of every decision")
public class AuditResource {

    @Inject
    AuditLog audit;

    @GET
    @Operation(summary = "Audit entries in seq order",
            description = "Keyset-paginated: pass the previous page's nextAfter as after. limit 1-1000 (default 100).")
    @APIResponse(responseCode = "200", description = "A page of entries",
            content = @Content(schema = @Schema(implementation = AuditViews.PageView.class)))
    @APIResponse(responseCode = "400", description = "A filter or paging value is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AuditViews.PageView> list(
            @Parameter(description = "Only entries at or after this ISO-8601 instant") @QueryParam("since") String since,
            @Parameter(description = "Only entries with seq greater than this (default 0)") @QueryParam("after") String after,
            @Parameter(description = "Only entries about this subject, e.g. submission/<id> or model/<id>")
            @QueryParam("subject") String subject,
            @Parameter(description = "Only entries of this action, e.g. submission.promote") @QueryParam("action") String action,
            @Parameter(description = "Page size, 1-1000 (default 100)") @QueryParam("limit") String limit) {
        AuditQuery q = new AuditQuery(Params.present(after).map(v -> Params.number("after", v)).orElse(0L),
                Params.present(since).map(v -> Params.instant("since", v)), Params.present(subject),
                Params.present(action),
                Params.present(limit).map(v -> Params.integer("limit", v)).orElse(AuditQuery.DEFAULT_LIMIT));
        return audit.list(q).map(AuditViews.PageView::of);
    }

    @GET
    @Path("/verify")
    @Operation(summary = "Verify the audit chain",
            description = "Recomputes every entry's hash and link from seq `from` (default 1) to `to` (default: the "
                    + "end, checked against the chain head) and reports the first broken seq: an edited entry, a "
                    + "removed one (a hole or a lost tail) or a reordered one. Always 200; ok=false when broken. "
                    + "Keep headHash somewhere else to detect a rewrite of the whole chain (or set an HMAC key).")
    @APIResponse(responseCode = "200", description = "The verdict",
            content = @Content(schema = @Schema(implementation = AuditViews.VerifyView.class)))
    @APIResponse(responseCode = "400", description = "from or to is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AuditViews.VerifyView> verify(
            @Parameter(description = "First seq to check (default 1); the entry before it is the trusted anchor")
            @QueryParam("from") String from,
            @Parameter(description = "Last seq to check (default: the end of the chain)") @QueryParam("to") String to) {
        return audit.verify(Params.present(from).map(v -> Params.number("from", v)).orElse(1L),
                Params.present(to).map(v -> Params.number("to", v)).orElse(null)).map(AuditViews.VerifyView::of);
    }
}
