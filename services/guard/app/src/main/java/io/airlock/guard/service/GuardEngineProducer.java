package io.airlock.guard.service;

import io.airlock.guard.engine.GuardEngine;
import io.airlock.guard.engine.GuardPolicy;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

@ApplicationScoped
public class GuardEngineProducer {

    @Produces
    @ApplicationScoped
    GuardEngine engine(GuardConfig config) {
        GuardPolicy defaults = GuardPolicy.defaults();
        GuardPolicy policy = new GuardPolicy(config.maxModelBytes(), config.maxKernelBytes());
        if (policy.maxModelBytes() > defaults.maxModelBytes() || policy.maxKernelBytes() > defaults.maxKernelBytes()) {
            // loosening a safety default is allowed, but never silently
            Log.warnf("guard limits loosened beyond defaults: model %d > %d or kernel %d > %d bytes",
                    policy.maxModelBytes(), defaults.maxModelBytes(), policy.maxKernelBytes(), defaults.maxKernelBytes());
        }
        return new GuardEngine(policy);
    }
}
