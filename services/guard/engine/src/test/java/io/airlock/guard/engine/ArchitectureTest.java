package io.airlock.guard.engine;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.core.domain.JavaClasses;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** The guard engine's import rules (docs/DESIGN.md, "Modules"). */
@AnalyzeClasses(packages = "io.airlock.guard.engine", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static void knowsNoServiceNorTransport(JavaClasses classes) {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                "io.quarkus..", "io.grpc..", "io.vertx..", "io.smallrye..", "com.google.protobuf..", "io.airlock.contracts.v1..",
                "io.airlock.contracts.grpc..", "io.airlock.gateway..", "io.airlock.registry..", "io.airlock.guard.service..",
                "io.airlock.evaluator..", "io.airlock.scanner.service..", "io.airlock.queue..", "io.airlock.support..").check(classes);
    }

    /**
     * The one documented entry point into the scanner engine: the quick model scan runs the
     * scanner's pickle and archive analysis under the gate's budgets (QuickModelScan), and the
     * guard's version names the scanner rule set it embeds (GuardEngine.VERSION).
     */
    @ArchTest
    static void scannerEngineOnlyThroughQuickModelScan(JavaClasses classes) {
        noClasses().that()
                .doNotHaveFullyQualifiedName(QuickModelScan.class.getName())
                .and().doNotHaveFullyQualifiedName(GuardEngine.class.getName())
                .should().dependOnClassesThat().resideInAPackage("io.airlock.scanner.engine..").check(classes);
    }

    @ArchTest
    static void noPackageCircle(JavaClasses classes) {
        slices().matching("io.airlock.guard.engine.(*)..").should().beFreeOfCycles().check(classes);
    }
}
