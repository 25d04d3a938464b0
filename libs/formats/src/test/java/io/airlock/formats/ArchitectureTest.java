package io.airlock.formats;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.core.domain.JavaClasses;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The readers of untrusted bytes depend on the JDK alone: no Airlock module, no framework; the one
 * exception is 7z, read through Apache Commons Compress (README.md names it with its bounds). This
 * holds the imports (docs/DESIGN.md, "Modules").
 */
@AnalyzeClasses(packages = "io.airlock.formats", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static void readersUseTheJdkAlone(JavaClasses classes) {
        noClasses().should().dependOnClassesThat()
                .resideOutsideOfPackages("io.airlock.formats..", "java..", "javax.annotation..",
                        // 7z, the one format read through a library (README.md: SevenZArchive and its bounds)
                        "org.apache.commons.compress.archivers.sevenz..").check(classes);
    }

    @ArchTest
    static void noPackageCircle(JavaClasses classes) {
        slices().matching("io.airlock.formats.(**)").should().beFreeOfCycles().check(classes);
    }
}
