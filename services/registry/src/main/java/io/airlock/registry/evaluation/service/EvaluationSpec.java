package io.airlock.registry.evaluation.service;

import io.airlock.contracts.ConformanceWork;
import io.airlock.registry.common.RegistryException;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A valid request to create an evaluation; the constructor refuses anything else with a message
 * that names the field.
 *
 * @param name                 DNS-label style: 1-63 of a-z 0-9 -, starting and ending alphanumeric
 * @param modelId              the promoted model (models.id)
 * @param corpusRef            a builtin corpus name or file:&lt;name&gt;
 * @param corpusDigest         sha256:&lt;hex&gt;; required for a file, optional (pins it) for a builtin
 * @param schedule             a 5-field cron expression (UTC), if scheduled
 * @param runNow               queue a first run at once
 * @param failModelOnDrift     hold the model out of the serving list while it fails
 * @param maxAttackSuccessRate the policy: a run passes when flagged / determined attacks is at most this
 */
public record EvaluationSpec(String name, String modelId, String corpusRef, String corpusDigest, Optional<Cron> schedule,
                             boolean runNow, boolean failModelOnDrift, double maxAttackSuccessRate) {
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    static final Pattern MODEL_ID = Pattern.compile("[0-9a-f-]{36}");

    public EvaluationSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw RegistryException.invalid("name must be 1-63 characters of a-z, 0-9 and -, starting and ending "
                    + "with a letter or digit, got '" + RunOutcome.clip(name, 80) + "'");
        }
        if (modelId == null || !MODEL_ID.matcher(modelId).matches()) {
            throw RegistryException.invalid("model must be a model id (see GET /v1/models), got '"
                    + RunOutcome.clip(modelId, 80) + "'");
        }
        corpusDigest = corpusDigest == null ? "" : corpusDigest;
        String bad = ConformanceWork.invalidCorpus(corpusRef, corpusDigest);
        if (!bad.isEmpty()) {
            throw RegistryException.invalid(bad);
        }
        if (!(maxAttackSuccessRate >= 0 && maxAttackSuccessRate <= 1)) {
            throw RegistryException.invalid("maxAttackSuccessRate must be between 0 and 1, got " + maxAttackSuccessRate);
        }
    }
}
