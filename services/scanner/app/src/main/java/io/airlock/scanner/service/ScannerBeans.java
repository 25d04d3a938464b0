package io.airlock.scanner.service;

import io.airlock.scanner.engine.ScanEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

@ApplicationScoped
public class ScannerBeans {
    @Produces
    @ApplicationScoped
    ScanEngine engine() {
        return new ScanEngine();
    }
}
