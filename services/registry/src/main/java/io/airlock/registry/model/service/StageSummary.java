package io.airlock.registry.model.service;

import java.util.List;

/**
 * What one stage of the promoted attempt did, as kept with the model.
 *
 * @param worstSeverity the highest severity among its findings, empty when none
 * @param rules         the rule ids of its findings, distinct, in order
 */
public record StageSummary(String stage, String status, String service, double durationMs, int findings,
                           String worstSeverity, List<String> rules) {
    public StageSummary {
        rules = List.copyOf(rules);
    }
}
