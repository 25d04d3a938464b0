package io.airlock.registry.submission.rest;

import io.airlock.contracts.Kind;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.problem.ProblemException;
import io.airlock.registry.submission.service.SubmissionQuery;
import io.airlock.registry.submission.service.SubmissionQueryService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Read API of the system of record. Writes go through gRPC only. */
@Path("/v1/submissions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "submissions", description = "Submissions, their stage results and status history")
public class SubmissionResource {

    @Inject
    SubmissionQueryService queries;

    @GET
    @Operation(summary = "List submissions, newest first",
            description = "Paginated with limit (1-200, default 50) and offset; total counts every match.")
    @APIResponse(responseCode = "200", description = "A page of submissions",
            content = @Content(schema = @Schema(implementation = SubmissionViews.PageView.class)))
    @APIResponse(responseCode = "400", description = "A filter or paging value is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<SubmissionViews.PageView> list(
            @Parameter(description = "Only this status: received, queued, scanning, evaluating, promoted, admitted, "
                    + "rejected, hacked, failed") @QueryParam("status") String status,
            @Parameter(description = "Only this kind: model or kernel") @QueryParam("kind") String kind,
            @Parameter(description = "Only submissions created at or after this ISO-8601 instant, "
                    + "e.g. 2026-11-24T10:00:00Z") @QueryParam("since") String since,
            @Parameter(description = "Page size, 1-200 (default 50)") @QueryParam("limit") String limit,
            @Parameter(description = "Items to skip (default 0)") @QueryParam("offset") String offset) {
        // parameters arrive as text: a JAX-RS conversion failure would answer 404, a bad filter is a 400
        SubmissionQuery query = new SubmissionQuery(
                present(status).map(SubmissionResource::status),
                present(kind).map(SubmissionResource::kind),
                present(since).map(SubmissionResource::instant),
                present(limit).map(v -> integer("limit", v)).orElse(SubmissionQuery.DEFAULT_LIMIT),
                present(offset).map(v -> integer("offset", v)).orElse(0));
        return queries.list(query).map(SubmissionViews.PageView::of);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One submission with its stage results (findings included) and status history")
    @APIResponse(responseCode = "200", description = "The submission",
            content = @Content(schema = @Schema(implementation = SubmissionViews.SubmissionView.class)))
    @APIResponse(responseCode = "404", description = "No such submission",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<SubmissionViews.SubmissionView> get(@PathParam("id") String id) {
        return queries.get(id).map(SubmissionViews.SubmissionView::of);
    }

    private static Optional<String> present(String v) {
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static SubmissionStatus status(String v) {
        try {
            return SubmissionStatus.parse(v);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("bad-filter", e.getMessage());
        }
    }

    private static Kind kind(String v) {
        try {
            return Kind.parse(v);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("bad-filter", e.getMessage());
        }
    }

    private static Instant instant(String v) {
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("bad-filter",
                    "since '" + v + "' is not an ISO-8601 instant with offset, e.g. 2026-11-24T10:00:00Z");
        }
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("bad-paging", name + " '" + v + "' is not an integer");
        }
    }
}
