package io.airlock.gateway.problem;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * An RFC 7807 problem document ({@code application/problem+json}). {@code extensions} carries
 * problem-specific members (e.g. the findings of a blocked submission) at the top level.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance,
                      @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    @JsonAnyGetter
    public Map<String, Object> any() {
        return extensions;
    }
}
