package io.airlock.gateway.submission;

import io.airlock.access.Caller;
import io.airlock.access.DenyList;
import io.airlock.contracts.Kind;
import io.airlock.identity.Roles;
import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.problem.Problem;
import io.airlock.gateway.problem.ProblemException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

@Path("/v1/submissions")
@Tag(name = "submissions")
public class SubmissionResource {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern FORMAT = Pattern.compile("[a-z0-9_]{1,32}");
    // the registry's task names (KernelTaskService.TASK_NAME): anything else cannot be registered
    private static final Pattern TASK = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final int MAX_NAME = 200;

    @Inject
    SubmissionService service;
    @Inject
    RegistryClient registry;
    @Inject
    GatewayConfig config;
    @Inject
    io.airlock.gateway.registry.RegistryProxy proxy;
    @Inject
    Caller caller;
    @Inject
    io.airlock.gateway.quota.Quotas quotas;
    @Inject
    DenyList denyList;

    @POST
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR})
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit an artifact", description = "Streams the file into quarantine, runs the precheck and queues the scan.")
    @APIResponse(responseCode = "202", description = "Accepted and queued",
            content = @Content(schema = @Schema(implementation = SubmissionViews.Accepted.class)))
    @APIResponse(responseCode = "400", description = "Bad input, or blocked by the precheck (recorded as hacked)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "Artifact larger than the limit")
    @APIResponse(responseCode = "429", description = "Scan queue full, or a quota reached (limit: submissions-per-hour, bytes-per-day, in-flight); see Retry-After")
    @APIResponse(responseCode = "503", description = "Precheck, registry, queue or storage unavailable; see Retry-After")
    @APIResponse(responseCode = "200", description = "With wait=true: the submission at its final status")
    public Response submit(@QueryParam("wait") @Parameter(description = "answer only once the submission reached its final status (bounded by airlock.gateway.wait-timeout; 202 if still running then)") boolean wait,
                           @RestForm("file") FileUpload file,
                           @RestForm @Parameter(description = "model or kernel") String kind,
                           @RestForm String name,
                           @RestForm("source_url") String sourceUrl,
                           @RestForm("expected_sha256") String expectedSha256,
                           @RestForm("format") @Parameter(description = "claimed format, e.g. gguf") String format,
                           @RestForm("signature") FileUpload signature,
                           @RestForm("task") @Parameter(description = "kernels: the registered task to judge it against") String task) {
        NewSubmission in = validate(file, kind, name, sourceUrl, expectedSha256, format, signature, task);
        String id = java.util.UUID.randomUUID().toString();
        // counted before the precheck: blocked submissions count too
        quotas.admit(caller.user(), caller.role(), id);
        SubmissionViews.Accepted accepted;
        try {
            accepted = service.accept(id, in);
        } catch (RuntimeException e) {
            // answered with an error: the registry frees the in-flight slot of what it recorded final, this the rest
            quotas.release(id);
            throw e;
        }
        if (wait) {
            var done = service.awaitFinal(accepted.id(), config.waitTimeout());
            if (done.isPresent()) {
                return Response.ok(SubmissionViews.SubmissionView.of(done.get(), caller.seesEvidence()))
                        .location(URI.create(accepted.statusUrl())).build();
            }
        }
        return Response.accepted(accepted).location(URI.create(accepted.statusUrl())).build();
    }

    @GET
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List submissions, newest first (registry): ?status=&kind=&since=&limit=&offset=")
    public Response list(@Context jakarta.ws.rs.core.UriInfo uri, @Context jakarta.ws.rs.core.HttpHeaders headers) {
        return proxy.pass("GET", "/v1/submissions", uri, headers);
    }

    @GET
    @Path("/{id}/findings")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "A submission's findings, worst first (registry)")
    public Response findings(@PathParam("id") String id, @Context jakarta.ws.rs.core.UriInfo uri,
                             @Context jakarta.ws.rs.core.HttpHeaders headers) {
        return proxy.pass("GET", "/v1/submissions/" + checkId(id) + "/findings", uri, headers);
    }

    @GET
    @Path("/{id}/report")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "A submission's report: JSON, SARIF (?format=sarif) or CycloneDX (?format=cyclonedx)")
    public Response report(@PathParam("id") String id, @Context jakarta.ws.rs.core.UriInfo uri,
                           @Context jakarta.ws.rs.core.HttpHeaders headers) {
        return proxy.pass("GET", "/v1/submissions/" + checkId(id) + "/report", uri, headers);
    }

    @POST
    @Path("/{id}/rescan")
    @Blocking
    @RolesAllowed(Roles.OPERATOR)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Scan a finished submission again as a new attempt (operator role)")
    @APIResponse(responseCode = "202", description = "The new attempt is queued")
    @APIResponse(responseCode = "409", description = "The submission is not finished, or is hacked")
    public Response rescan(@PathParam("id") String id, @QueryParam("reason") String reason) {
        var accepted = service.rescan(checkId(id), reason == null || reason.isBlank() ? "re-scan" : reason.strip(),
                caller.actor());
        return Response.accepted(accepted).location(URI.create(accepted.statusUrl())).build();
    }

    @GET
    @Path("/{id}")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A submission with its stage results and status history")
    @APIResponse(responseCode = "404", description = "No such submission")
    public SubmissionViews.SubmissionView get(@PathParam("id") String id) {
        return SubmissionViews.SubmissionView.of(owned(id), caller.seesEvidence());
    }

    @GET
    @Path("/{id}/events")
    @Blocking
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Server-sent events of stage progress until the submission reaches a final status",
            description = "Each event's id is its sequence number; reconnect with Last-Event-ID to resume.")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId,
                                          @Context Sse sse) {
        owned(id); // 404 before the stream starts, not an error inside it
        AtomicLong after = new AtomicLong(parseSeq(lastEventId));
        // the token is checked against the deny list before every poll: revoking it ends the stream
        DenyList.Token token = caller.token();
        boolean evidence = caller.seesEvidence();
        return Multi.createBy().repeating()
                .uni(() -> denyList.check(token).chain(() -> registry.events(id, after.get())))
                .withDelay(config.eventsPollInterval())
                .whilst(r -> !r.getTerminal())
                .onItem().transformToIterable(r -> r.getEventsList())
                .filter(e -> e.getSeq() > after.get())
                .map(e -> {
                    after.set(e.getSeq());
                    return sse.newEventBuilder()
                            .id(Long.toString(e.getSeq()))
                            .name(e.getType())
                            .mediaType(MediaType.APPLICATION_JSON_TYPE)
                            .data(SubmissionViews.EventView.class, SubmissionViews.EventView.of(e, evidence))
                            .build();
                });
    }

    private NewSubmission validate(FileUpload file, String kind, String name, String sourceUrl, String expectedSha256,
                                   String format, FileUpload signature, String task) {
        if (file == null || file.uploadedFile() == null) {
            throw ProblemException.badRequest("missing-file", "the multipart form needs a 'file' part with the artifact");
        }
        if (kind == null || kind.isBlank()) {
            throw ProblemException.badRequest("missing-kind", "the form needs 'kind': model or kernel");
        }
        Kind k;
        try {
            k = Kind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("unknown-kind", e.getMessage());
        }
        String filename = Optional.ofNullable(file.fileName()).orElse("").strip();
        String n = name == null || name.isBlank() ? filename : name.strip();
        if (n.isEmpty() || n.length() > MAX_NAME || n.chars().anyMatch(Character::isISOControl)) {
            throw ProblemException.badRequest("bad-name", "'name' must be 1-" + MAX_NAME + " printable characters");
        }
        String src = sourceUrl == null ? "" : sourceUrl.strip();
        if (!src.isEmpty()) {
            try {
                URI u = new URI(src);
                if (!u.isAbsolute() || u.getHost() == null) {
                    throw new URISyntaxException(src, "not an absolute URL with a host");
                }
            } catch (URISyntaxException e) {
                throw ProblemException.badRequest("bad-source-url", "'source_url' is not an absolute URL: " + e.getMessage());
            }
        }
        String sha = expectedSha256 == null ? "" : expectedSha256.strip();
        if (!sha.isEmpty() && !SHA256.matcher(sha).matches()) {
            throw ProblemException.badRequest("bad-expected-sha256", "'expected_sha256' must be 64 hex digits");
        }
        String fmt = format == null ? "" : format.strip().toLowerCase(Locale.ROOT);
        if (!fmt.isEmpty() && !FORMAT.matcher(fmt).matches()) {
            throw ProblemException.badRequest("bad-format", "'format' must be a format id such as gguf or onnx");
        }
        Optional<java.nio.file.Path> sig = signature == null || signature.uploadedFile() == null
                ? Optional.empty() : Optional.of(signature.uploadedFile());
        return new NewSubmission(k, n, filename, file.uploadedFile(), src, sha.toLowerCase(Locale.ROOT), fmt, sig,
                caller.user(), pinTask(k, filename, task));
    }

    /**
     * The task a kernel names, pinned to its newest version by one registry lookup: an unknown task or a
     * kernel in the other language (a .cu file for a Python task, a .py file for a CUDA task) is a 400.
     */
    private Optional<NewSubmission.PinnedTask> pinTask(Kind kind, String filename, String task) {
        String t = task == null ? "" : task.strip();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        if (kind != Kind.KERNEL) {
            throw ProblemException.badRequest("task-not-for-models", "only kernel submissions name a task");
        }
        if (!TASK.matcher(t).matches()) {
            throw ProblemException.badRequest("unknown-task", "no task '" + t.substring(0, Math.min(64, t.length()))
                    + "' (a task name is 1-64 of a-z 0-9 _ . -)");
        }
        io.airlock.contracts.v1.KernelTask found;
        try {
            found = registry.lookupTask(t);
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
                throw ProblemException.badRequest("unknown-task", "no task '" + t + "' is registered (airlock task list)");
            }
            throw e;
        }
        String lang = filename.toLowerCase(Locale.ROOT).endsWith(".cu") ? "cu" : "py";
        if (!lang.equals(found.getLang())) {
            throw ProblemException.badRequest("wrong-language", "task '" + t + "' takes " + found.getLang()
                    + " submissions; '" + filename + "' is " + lang);
        }
        return Optional.of(new NewSubmission.PinnedTask(found.getName(), found.getDigest()));
    }

    /** The submission if the caller may see it; another user's answers 404 like an unknown id, so ids do not leak. */
    private io.airlock.contracts.v1.Submission owned(String id) {
        var s = registry.get(checkId(id));
        if (!caller.mayRead(s.getSubmitter())) {
            throw ProblemException.notFound("no submission '" + id + "'");
        }
        return s;
    }

    private static String checkId(String id) {
        // ids are UUIDs; anything else cannot exist, and must not reach the registry as a query
        try {
            return java.util.UUID.fromString(id).toString();
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("no submission '" + id + "'");
        }
    }

    private static long parseSeq(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(lastEventId.strip()));
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("bad-last-event-id", "Last-Event-ID must be a sequence number");
        }
    }
}
