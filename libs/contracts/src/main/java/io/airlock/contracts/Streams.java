package io.airlock.contracts;

/** Names of the Redis streams that connect the services. */
public final class Streams {
    /** Gateway to scanner. */
    public static final String SCAN = "airlock:scan";
    /** Scanner to evaluator (models). */
    public static final String EVAL = "airlock:eval";
    /** Scanner to the downstream kernel runner (kernels that passed). */
    public static final String ADMITTED_KERNEL = "airlock:admitted:kernel";
    /** Messages delivered too many times; the registry marks their submissions failed. */
    public static final String DEAD_LETTER = "airlock:dead";

    private Streams() {
    }
}
