package io.airlock.guard.service;

import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardPolicy;
import io.airlock.guard.engine.GuardRules;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

@ApplicationScoped
public class GuardEngineProducer {

    @Produces
    @ApplicationScoped
    GuardEngine engine(GuardConfig config) {
        GuardPolicy defaults = GuardPolicy.defaults();
        GuardRules rules;
        try {
            rules = config.rulesFile().isPresent()
                    ? GuardRules.load(java.nio.file.Path.of(config.rulesFile().get()), config.profile())
                    : GuardRules.profile(config.profile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("airlock.guard.rules-file: " + e.getMessage(), e);
        }
        if (!rules.loosened().isEmpty()) {
            Log.warnf("guard rules loosened by %s: %s", rules.source(), String.join(", ", rules.loosened()));
        }
        Log.infof("guard rules: %s", rules.source());
        GuardPolicy policy = new GuardPolicy(config.maxModelBytes(), config.maxKernelBytes(), rules);
        if (policy.maxModelBytes() > defaults.maxModelBytes() || policy.maxKernelBytes() > defaults.maxKernelBytes()) {
            // loosening a safety default is allowed, but never silently
            Log.warnf("guard limits loosened beyond defaults: model %d > %d or kernel %d > %d bytes",
                    policy.maxModelBytes(), defaults.maxModelBytes(), policy.maxKernelBytes(), defaults.maxKernelBytes());
        }
        return new GuardEngine(policy);
    }
}
