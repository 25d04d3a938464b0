package io.airlock.registry.problem;

/** Thrown in a request to answer with an RFC 7807 problem; {@link ProblemMapper} renders it. */
public class ProblemException extends RuntimeException {
    private final int status;
    private final String slug;
    private final String title;

    public ProblemException(int status, String slug, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public static ProblemException badRequest(String slug, String detail) {
        return new ProblemException(400, slug, "Bad request", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail);
    }

    public Problem toProblem(String instance) {
        return new Problem("https://airlock.dev/problems/" + slug, title, status, getMessage(), instance);
    }

    public int status() {
        return status;
    }
}
