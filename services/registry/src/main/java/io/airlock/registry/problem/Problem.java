package io.airlock.registry.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An RFC 7807 problem document, served as {@code application/problem+json}. */
@Schema(name = "Problem", description = "RFC 7807 problem details")
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance) {
    public static final String MEDIA_TYPE = "application/problem+json";
}
