package io.airlock.registry.evaluation.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.registry.evaluation.service.Cron;
import io.airlock.registry.evaluation.service.EvaluationPage;
import io.airlock.registry.evaluation.service.EvaluationService;
import io.airlock.registry.evaluation.service.EvaluationSpec;
import io.airlock.registry.problem.Problem;
import io.airlock.registry.problem.ProblemException;
import io.airlock.registry.rest.Params;
import io.airlock.access.Caller;
import io.smallrye.mutiny.Uni;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * Conformance evaluations: a corpus replayed against a promoted model, on a schedule or on demand,
 * through the evaluator's queue. Writes need the operator token ({@code OperatorFilter}); reads are open.
 */
@Path("/v1/evaluations")
@RolesAllowed({Roles.OPERATOR, Roles.AUDITOR})
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "evaluations", description = "Conformance evaluations of promoted models (docs/CONFORMANCE.md)")
public class EvaluationResource {
    private static final Set<String> FIELDS = Set.of("name", "model", "corpus", "schedule", "runNow", "failModelOnDrift",
            "maxAttackSuccessRate");
    private static final Set<String> CORPUS_FIELDS = Set.of("ref", "digest");

    @Inject
    EvaluationService evaluations;
    @Inject
    Caller caller;

    @POST
    @RolesAllowed(Roles.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @SecurityRequirement(name = "operator")
    @Operation(summary = "Create an evaluation (operator)",
            description = "Body: {name, model (a promoted model's id), corpus: {ref: builtin name | file:<name>, "
                    + "digest: sha256:<hex> (required for a file, pins a builtin)}, schedule (5-field cron, UTC, "
                    + "optional), runNow, failModelOnDrift, maxAttackSuccessRate (0-1, default 0)}. Unknown fields "
                    + "are refused.")
    @APIResponse(responseCode = "201", description = "Created; with runNow a run is queued",
            content = @Content(schema = @Schema(implementation = EvaluationViews.StatusView.class)))
    @APIResponse(responseCode = "400", description = "A field is missing or not valid (a bad cron expression names its field)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "An evaluation of that name exists",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(JsonNode body) {
        EvaluationSpec spec = spec(body);
        return evaluations.create(spec, caller.actor()).map(s -> Response.created(URI.create("/v1/evaluations/" + s.name()))
                .entity(EvaluationViews.StatusView.of(s)).build());
    }

    @GET
    @Operation(summary = "List evaluations by name, with their status",
            description = "Paginated with limit (1-200, default 50) and offset.")
    @APIResponse(responseCode = "200", description = "A page of evaluations",
            content = @Content(schema = @Schema(implementation = EvaluationViews.PageView.class)))
    public Uni<EvaluationViews.PageView> list(
            @Parameter(description = "Page size, 1-200 (default 50)") @QueryParam("limit") String limit,
            @Parameter(description = "Items to skip (default 0)") @QueryParam("offset") String offset) {
        return evaluations.list(Params.present(limit).map(v -> Params.integer("limit", v)).orElse(EvaluationPage.DEFAULT_LIMIT),
                Params.present(offset).map(v -> Params.integer("offset", v)).orElse(0)).map(EvaluationViews.PageView::of);
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "One evaluation: phase, conditions, lastResult, history (newest 20), corpusDigestNow")
    @APIResponse(responseCode = "200", description = "The evaluation",
            content = @Content(schema = @Schema(implementation = EvaluationViews.StatusView.class)))
    @APIResponse(responseCode = "404", description = "No such evaluation",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EvaluationViews.StatusView> get(@PathParam("name") String name) {
        return evaluations.get(name).map(EvaluationViews.StatusView::of);
    }

    @POST
    @RolesAllowed(Roles.OPERATOR)
    @Path("/{name}/run")
    @SecurityRequirement(name = "operator")
    @Operation(summary = "Run now (operator)", description = "Queues a run on the evaluator's stream. While a run is "
            + "in flight no second one starts: 409 naming the run in flight.")
    @APIResponse(responseCode = "202", description = "The queued run",
            content = @Content(schema = @Schema(implementation = EvaluationViews.RunView.class)))
    @APIResponse(responseCode = "409", description = "A run is in flight, or the model is no longer promoted",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> run(@PathParam("name") String name) {
        return evaluations.runNow(name, caller.actor()).map(r -> Response.accepted(EvaluationViews.RunView.of(r))
                .location(URI.create("/v1/evaluations/" + name + "/runs/" + r.runId())).build());
    }

    @DELETE
    @RolesAllowed(Roles.OPERATOR)
    @Path("/{name}")
    @SecurityRequirement(name = "operator")
    @Operation(summary = "Delete an evaluation (operator)", description = "Its rows and audit trail stay; a model it "
            + "held out of the serving list returns (audited).")
    @APIResponse(responseCode = "200", description = "The evaluation, now deleted",
            content = @Content(schema = @Schema(implementation = EvaluationViews.StatusView.class)))
    @APIResponse(responseCode = "404", description = "No such evaluation",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EvaluationViews.StatusView> delete(@PathParam("name") String name) {
        return evaluations.delete(name, caller.actor()).map(EvaluationViews.StatusView::of);
    }

    @GET
    @Path("/{name}/runs/{runId}")
    @Operation(summary = "One run, case by case", description = "Runs beyond the newest 20 of an evaluation are trimmed.")
    @APIResponse(responseCode = "200", description = "The run",
            content = @Content(schema = @Schema(implementation = EvaluationViews.RunDetailView.class)))
    @APIResponse(responseCode = "404", description = "No such evaluation or run",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EvaluationViews.RunDetailView> runDetail(@PathParam("name") String name, @PathParam("runId") String runId) {
        return evaluations.run(name, runId).map(EvaluationViews.RunDetailView::of);
    }

    /** The body, field by field: a misspelt or mistyped field is a 400 that names it, never silently dropped. */
    static EvaluationSpec spec(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw bad("bad-request", "the body must be a JSON object");
        }
        unknown(body, FIELDS, "");
        JsonNode corpus = body.get("corpus");
        if (corpus == null || !corpus.isObject()) {
            throw bad("bad-request", "corpus must be an object {ref, digest}");
        }
        unknown(corpus, CORPUS_FIELDS, "corpus.");
        Optional<Cron> schedule = Optional.empty();
        String cron = text(body, "schedule");
        if (cron != null && !cron.isBlank()) {
            try {
                schedule = Optional.of(Cron.parse(cron));
            } catch (IllegalArgumentException e) {
                throw bad("bad-schedule", e.getMessage());
            }
        }
        JsonNode rate = body.get("maxAttackSuccessRate");
        if (rate != null && !rate.isNull() && !rate.isNumber()) {
            throw bad("bad-request", "maxAttackSuccessRate must be a number between 0 and 1");
        }
        return new EvaluationSpec(text(body, "name"), text(body, "model"), text(corpus, "ref"), text(corpus, "digest"),
                schedule, bool(body, "runNow"), bool(body, "failModelOnDrift"),
                rate == null || rate.isNull() ? 0 : rate.doubleValue());
    }

    private static void unknown(JsonNode node, Set<String> allowed, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw bad("bad-request", "unknown field '" + prefix + (f.length() > 64 ? f.substring(0, 64) + "..." : f)
                        + "'; allowed: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw bad("bad-request", field + " must be a string");
        }
        return v.textValue();
    }

    private static boolean bool(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw bad("bad-request", field + " must be true or false");
        }
        return v.booleanValue();
    }

    private static ProblemException bad(String slug, String detail) {
        return ProblemException.badRequest(slug, detail);
    }
}
