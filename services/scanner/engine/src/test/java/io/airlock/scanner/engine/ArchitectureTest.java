package io.airlock.scanner.engine;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.core.domain.JavaClasses;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The scanner engine's import rules (docs/DESIGN.md, "Modules"). */
@AnalyzeClasses(packages = "io.airlock.scanner.engine", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    /** An engine knows no service, transport or framework: the CLI runs it with none of them. */
    @ArchTest
    static void knowsNoServiceNorTransport(JavaClasses classes) {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                "io.quarkus..", "io.grpc..", "io.vertx..", "io.smallrye..", "com.google.protobuf..", "io.airlock.contracts.v1..",
                "io.airlock.contracts.grpc..", "io.airlock.gateway..", "io.airlock.registry..", "io.airlock.guard..",
                "io.airlock.evaluator..", "io.airlock.scanner.service..", "io.airlock.queue..", "io.airlock.support..").check(classes);
    }

    /** The stages below the engine get what they need passed in: they never reach back up (no circle). */
    @ArchTest
    static void analysisDoesNotReachBackToTheEngine(JavaClasses classes) {
        noClasses().that()
                .resideInAPackage("io.airlock.scanner.engine.analysis..").should().dependOnClassesThat()
                .resideInAPackage("io.airlock.scanner.engine").check(classes);
    }
}
