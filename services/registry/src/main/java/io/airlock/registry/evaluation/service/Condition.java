package io.airlock.registry.evaluation.service;

/**
 * One condition of an evaluation's status, Kubernetes-style.
 *
 * @param type               Ready, Progressing, Degraded or ConformanceDrift
 * @param status             "True" or "False"
 * @param reason             a CamelCase word a program can switch on
 * @param message            for people
 * @param lastTransitionTime ISO-8601 instant the status last changed (not the reason or message)
 */
public record Condition(String type, String status, String reason, String message, String lastTransitionTime) {
    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";
    public static final String DRIFT = "ConformanceDrift";
}
