package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.PickleMachine;
import io.airlock.formats.ZipArchive;

import java.util.Objects;

/**
 * What the static scan judges by and how far it reads.
 *
 * @param unknownImport    severity of a pickle global that is neither known safe nor known
 *                         dangerous (MEDIUM by default: reported, not blocking; a policy can raise it)
 * @param pickle           bounds of the pickle machine
 * @param zip              bounds of one archive
 * @param maxDepth         archives and gzip streams nested inside each other
 * @param maxNestedBytes   largest nested archive read into memory to be scanned
 * @param maxFindingsPerRule findings kept per rule; the rest are counted in one summary finding
 */
public record StaticScanPolicy(Severity unknownImport, PickleMachine.Limits pickle, ZipArchive.Limits zip, int maxDepth,
                               long maxNestedBytes, int maxFindingsPerRule) {
    public StaticScanPolicy {
        Objects.requireNonNull(unknownImport, "unknownImport");
        Objects.requireNonNull(pickle, "pickle");
        Objects.requireNonNull(zip, "zip");
        if (maxDepth < 1 || maxNestedBytes < 0 || maxFindingsPerRule < 1) {
            throw new IllegalArgumentException("static scan policy bounds too small");
        }
    }

    public static StaticScanPolicy defaults() {
        return new StaticScanPolicy(Severity.MEDIUM, PickleMachine.Limits.defaults(), ZipArchive.Limits.defaults(), 3,
                32L << 20, 25);
    }

    /** The same policy with unknown imports judged at {@code s}. */
    public StaticScanPolicy withUnknownImport(Severity s) {
        return new StaticScanPolicy(s, pickle, zip, maxDepth, maxNestedBytes, maxFindingsPerRule);
    }
}
