package io.airlock.scanner.service;

import io.airlock.scanner.engine.ScanEngine;
import io.airlock.scanner.engine.ScanPolicy;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;

@ApplicationScoped
public class ScannerBeans {
    @Produces
    @ApplicationScoped
    ScanEngine engine(ScanPolicy policy) {
        return ScanEngine.of(policy); // the policy's pickle_imports extend the import table
    }

    /** The policy, read once; what it gives up against {@code default} is logged as a warning. */
    @Produces
    @Singleton
    ScanPolicy policy(ScannerConfig config) {
        ScanPolicy p;
        try {
            p = ScanPolicy.resolve(config.policy());
        } catch (IOException e) {
            throw new UncheckedIOException("airlock.scanner.policy: cannot read " + config.policy(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("airlock.scanner.policy: " + e.getMessage(), e);
        }
        Log.infof("scan policy %s", p.describe());
        p.loosenings().forEach(l -> Log.warnf("scan policy %s loosens the default: %s", p.describe(), l));
        return p;
    }

    /** Reads the policy at start-up, so a bad policy file stops the scanner before it takes any work. */
    void readPolicyAtStart(@Observes StartupEvent start, ScanPolicy policy) {
        Log.debugf("policy ready: %s", policy.describe());
    }
}
