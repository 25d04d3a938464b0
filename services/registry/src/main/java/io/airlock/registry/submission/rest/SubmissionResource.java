package io.airlock.registry.submission.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.access.Caller;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.problem.ProblemException;
import io.airlock.registry.report.CycloneDxReport;
import io.airlock.registry.report.JsonReport;
import io.airlock.registry.report.ReportService;
import io.airlock.registry.report.SarifReport;
import io.airlock.registry.rest.Params;
import io.airlock.registry.submission.service.FindingsQuery;
import io.airlock.registry.submission.service.SubmissionQuery;
import io.airlock.registry.submission.service.SubmissionQueryService;
import io.smallrye.mutiny.Uni;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;

import static io.airlock.registry.rest.Params.present;

/** Read API of the system of record. Writes go through gRPC only. */
@Path("/v1/submissions")
@RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "submissions", description = "Submissions, their stage results and status history")
public class SubmissionResource {

    @Inject
    SubmissionQueryService queries;
    @Inject
    ReportService reports;
    @Inject
    ObjectMapper json;
    @Inject
    Caller caller;

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
                present(since).map(v -> Params.instant("since", v)),
                // a submitter's listing holds their own submissions only
                caller.seesEverything() ? Optional.empty() : Optional.of(caller.user()),
                present(limit).map(v -> Params.integer("limit", v)).orElse(SubmissionQuery.DEFAULT_LIMIT),
                present(offset).map(v -> Params.integer("offset", v)).orElse(0));
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
        boolean evidence = caller.seesEvidence();
        return visible(id).chain(() -> queries.get(id))
                .map(d -> SubmissionViews.SubmissionView.of(evidence ? d : d.withoutEvidence(), !evidence));
    }

    @GET
    @Path("/{id}/findings")
    @Operation(summary = "The findings of one attempt, worst first",
            description = "Default: the current attempt. Filter by minimum severity and stage; paginated with limit "
                    + "(1-1000, default 200) and offset.")
    @APIResponse(responseCode = "200", description = "A page of findings",
            content = @Content(schema = @Schema(implementation = SubmissionViews.FindingsView.class)))
    @APIResponse(responseCode = "400", description = "A filter or paging value is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such submission",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<SubmissionViews.FindingsView> findings(
            @PathParam("id") String id,
            @Parameter(description = "Attempt (default: the current one)") @QueryParam("attempt") String attempt,
            @Parameter(description = "Only findings at or above this severity: CRITICAL, HIGH, MEDIUM, LOW, INFO")
            @QueryParam("severity") String severity,
            @Parameter(description = "Only findings of this stage") @QueryParam("stage") String stage,
            @Parameter(description = "Page size, 1-1000 (default 200)") @QueryParam("limit") String limit,
            @Parameter(description = "Items to skip (default 0)") @QueryParam("offset") String offset) {
        FindingsQuery query = new FindingsQuery(id, present(attempt).map(v -> Params.integer("attempt", v)),
                present(severity).map(SubmissionResource::severity), present(stage),
                present(limit).map(v -> Params.integer("limit", v)).orElse(FindingsQuery.DEFAULT_LIMIT),
                present(offset).map(v -> Params.integer("offset", v)).orElse(0));
        boolean evidence = caller.seesEvidence();
        return visible(id).chain(() -> queries.findings(query))
                .map(p -> SubmissionViews.FindingsView.of(evidence ? p : p.withoutEvidence(), !evidence));
    }

    @GET
    @Path("/{id}/report")
    @Produces({MediaType.APPLICATION_JSON, SarifReport.MEDIA_TYPE, CycloneDxReport.MEDIA_TYPE})
    @Operation(summary = "Download the report of one attempt: JSON, SARIF 2.1.0 or CycloneDX 1.5",
            description = "format=json (default; the full report, schema airlock.report/v1), format=sarif or "
                    + "format=cyclonedx; without format, Accept: application/sarif+json or "
                    + "application/vnd.cyclonedx+json choose. Default attempt: the current one.")
    @APIResponse(responseCode = "200", description = "The report, as an attachment",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON),
                    @Content(mediaType = SarifReport.MEDIA_TYPE),
                    @Content(mediaType = CycloneDxReport.MEDIA_TYPE)})
    @APIResponse(responseCode = "400", description = "Unknown format or attempt",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such submission",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> report(
            @PathParam("id") String id,
            @Parameter(description = "json, sarif or cyclonedx (wins over Accept)") @QueryParam("format") String format,
            @Parameter(description = "Attempt (default: the current one)") @QueryParam("attempt") String attempt,
            @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        ReportFormat f = ReportFormat.choose(present(format), Optional.ofNullable(accept));
        var which = present(attempt).map(v -> Params.integer("attempt", v));
        boolean evidence = caller.seesEvidence();
        return visible(id).chain(() -> reports.report(id, which)).map(full -> evidence ? full : full.withoutEvidence())
                .map(data -> {
            JsonNode body = switch (f) {
                case JSON -> JsonReport.of(data);
                case SARIF -> SarifReport.of(data);
                case CYCLONEDX -> CycloneDxReport.of(data);
            };
            String name = "airlock-" + data.detail().submission().id() + "-attempt" + data.attempt() + f.suffix();
            try {
                return Response.ok(json.writerWithDefaultPrettyPrinter().writeValueAsString(body), f.mediaType())
                        .header("Content-Disposition", "attachment; filename=\"" + name + "\"").build();
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Operators and auditors see every submission; a submitter sees their own, and another's id is a 404. */
    private Uni<Void> visible(String id) {
        return caller.seesEverything() ? Uni.createFrom().voidItem() : queries.requireOwner(id, caller.user());
    }

    private static SubmissionStatus status(String v) {
        try {
            return SubmissionStatus.parse(v);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("bad-filter", e.getMessage());
        }
    }

    private static Severity severity(String v) {
        try {
            return Severity.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("bad-filter", "unknown severity '" + v
                    + "': expected one of CRITICAL, HIGH, MEDIUM, LOW, INFO");
        }
    }

    private static Kind kind(String v) {
        try {
            return Kind.parse(v);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("bad-filter", e.getMessage());
        }
    }
}
