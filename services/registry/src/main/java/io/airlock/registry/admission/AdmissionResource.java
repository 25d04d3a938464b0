package io.airlock.registry.admission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.registry.problem.Problem;
import io.airlock.access.Caller;
import io.airlock.registry.model.service.ModelService;
import io.smallrye.mutiny.Uni;
import io.airlock.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Signed admission statements for serving systems, and the key to check them with. */
@Path("/v1/admissions")
@RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admissions", description = "Signed admission (in-toto statement in a DSSE envelope) of promoted models")
public class AdmissionResource {
    /** What a key answer holds. */
    public record KeyView(String keyId, String publicKeyPem, boolean ephemeral, String predicateType) {
    }

    @Inject
    AdmissionService admissions;
    @Inject
    AdmissionSigner signer;
    @Inject
    ModelService models;
    @Inject
    Caller caller;

    @GET
    @Path("/key")
    @RolesAllowed({Roles.SUBMITTER, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "The registry's admission public key",
            description = "ephemeral=true: no key is configured and this one dies with the registry process; pin a "
                    + "configured key in production.")
    public KeyView key() {
        return new KeyView(signer.signer().keyId(), signer.signer().publicKeyPem(), signer.ephemeral(),
                AdmissionService.PREDICATE_TYPE);
    }

    @GET
    @Path("/kernels/{submissionId}")
    @Operation(summary = "The signed admission of an admitted kernel (DSSE envelope of an in-toto Statement v1)",
            description = "predicateType " + AdmissionService.KERNEL_PREDICATE_TYPE + "; predicate.proof is judged "
                    + "(the behavioral test passed) or unproven (admitted without it: NOT_RUN under if-runnable or "
                    + "off), with proofReason, and the task and task digest the kernel was pinned to.")
    @APIResponse(responseCode = "200", description = "The envelope: payloadType, payload (base64), signatures")
    @APIResponse(responseCode = "404", description = "No such submission",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Not an admitted kernel now",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ObjectNode> kernelAdmission(@PathParam("submissionId") String submissionId) {
        return admissions.attestKernel(submissionId).map(d -> d.toJson());
    }

    @GET
    @Path("/{modelId}")
    @Operation(summary = "The signed admission of an active model (DSSE envelope of an in-toto Statement v1)")
    @APIResponse(responseCode = "200", description = "The envelope: payloadType, payload (base64), signatures")
    @APIResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The model is deleted or superseded: not admitted now",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ObjectNode> admission(@PathParam("modelId") String modelId) {
        // a submitter gets the admission of their own models; another user's model answers 404
        Uni<Void> visible = caller.seesEverything() ? Uni.createFrom().voidItem()
                : models.requireOwner(modelId, caller.user());
        return visible.chain(() -> admissions.attest(modelId)).map(d -> d.toJson());
    }
}
