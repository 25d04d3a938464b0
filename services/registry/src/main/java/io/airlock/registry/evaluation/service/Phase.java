package io.airlock.registry.evaluation.service;

/** An evaluation's phase, from its newest finished run. Stored and shown as the constant's name. */
public enum Phase {
    /** No run has finished yet. */
    Pending,
    /** The newest run completed within policy. */
    Ready,
    /** The newest run failed the policy, or could not be run (a run that did not run never passes). */
    Degraded
}
