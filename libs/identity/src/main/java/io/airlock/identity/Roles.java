package io.airlock.identity;

import java.util.Set;

/**
 * The roles a token carries in its {@code groups} claim. {@code service} is for the pipeline's own
 * processes (gateway, scanner, evaluator) calling the registry's gRPC write API; people never get it.
 */
public final class Roles {
    public static final String SUBMITTER = "submitter";
    public static final String OPERATOR = "operator";
    public static final String AUDITOR = "auditor";
    public static final String SERVICE = "service";

    /** What {@code airlock token issue --role} accepts. */
    public static final Set<String> ALL = Set.of(SUBMITTER, OPERATOR, AUDITOR, SERVICE);

    private Roles() {
    }
}
