package io.airlock.stack;

import java.nio.file.Path;
import java.util.Locale;

/** The five Airlock services, in the order they start (each one's dependencies come before it). */
public enum Service {
    REGISTRY("services/registry", 4),
    GUARD("services/guard/app", 1),
    SCANNER("services/scanner/app", 2),
    EVALUATOR("services/evaluator/app", 3),
    GATEWAY("services/gateway", 0);

    private final String module;
    private final int portOffset;

    Service(String module, int portOffset) {
        this.module = module;
        this.portOffset = portOffset;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int port(int basePort) {
        return basePort + portOffset;
    }

    /** The runnable jar that {@code ./mvnw package} leaves in the module (the whole quarkus-app folder is needed). */
    public Path jar(Path repoRoot) {
        return repoRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }
}
