package io.airlock.evaluator.engine;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.core.domain.JavaClasses;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The evaluator engine's import rules (docs/DESIGN.md, "Modules"). */
@AnalyzeClasses(packages = "io.airlock.evaluator.engine", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static void knowsNoServiceNorTransport(JavaClasses classes) {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                "io.quarkus..", "io.grpc..", "io.vertx..", "io.smallrye..", "com.google.protobuf..", "io.airlock.contracts.v1..",
                "io.airlock.contracts.grpc..", "io.airlock.gateway..", "io.airlock.registry..", "io.airlock.guard..",
                "io.airlock.evaluator.service..", "io.airlock.scanner..", "io.airlock.queue..", "io.airlock.support..").check(classes);
    }

    /** Untrusted archives are unpacked with the readers the scanner judged them with, never the JDK's own. */
    @ArchTest
    static void noJdkArchiveReaders(JavaClasses classes) {
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(
                "java.util.zip.ZipFile").orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.zip.ZipInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.zip.GZIPInputStream").check(classes);
    }
}
