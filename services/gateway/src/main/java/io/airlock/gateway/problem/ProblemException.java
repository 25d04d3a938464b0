package io.airlock.gateway.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/** Thrown anywhere in a request to answer with an RFC 7807 problem; {@link ProblemMapper} renders it. */
public class ProblemException extends RuntimeException {
    private final int status;
    private final String slug;
    private final String title;
    private final Map<String, Object> extensions;
    private final Map<String, String> headers;

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, Map.of(), Map.of());
    }

    public ProblemException(int status, String slug, String title, String detail, Map<String, Object> extensions,
                            Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.extensions = new LinkedHashMap<>(extensions);
        this.headers = Map.copyOf(headers);
    }

    public static ProblemException badRequest(String slug, String detail) {
        return new ProblemException(400, slug, "Bad request", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail);
    }

    /** 503 with Retry-After: the caller did nothing wrong and may try again later. */
    public static ProblemException unavailable(String slug, String detail, int retryAfterSeconds) {
        return new ProblemException(503, slug, "Service unavailable", detail, Map.of(),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    public Problem toProblem(String instance) {
        return new Problem("https://airlock.dev/problems/" + slug, title, status, getMessage(), instance, extensions);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
