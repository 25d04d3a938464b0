package io.airlock.registry;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The registry is packaged by feature, then layer (submission.service, model.rest, report, ...):
 * packages may use each other one way, never in a circle. Types every feature shares (the refusal
 * a request gets, the database-down signal, a write's outcome) live in {@code common}, so no
 * feature loops back through another to reach them.
 */
@AnalyzeClasses(packages = "io.airlock.registry", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static void packagesDoNotDependOnEachOtherInACircle(JavaClasses classes) {
        slices().matching("io.airlock.registry.(**)").should().beFreeOfCycles().check(classes);
    }
}
