package io.airlock.guard.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.scanner.engine.analysis.ImportTiers;
import io.airlock.scanner.engine.analysis.StaticScan;
import io.airlock.scanner.engine.analysis.StaticScanPolicy;
import io.airlock.formats.ByteSource;
import io.airlock.formats.PickleMachine;
import io.airlock.formats.ZipArchive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The guard's quick look inside model files: the scanner engine's own static scan (one pickle
 * analysis, one set of archive rules) with budgets tight enough for the gate's deadline. Only what
 * blocks outright is reported here (a dangerous import, an archive bomb or a path escape); the
 * scanner reads everything, with no such budget, and reports the rest with evidence.
 */
final class QuickModelScan {
    static final Set<Format> APPLIES = EnumSet.of(Format.PICKLE, Format.JOBLIB, Format.PYTORCH_LEGACY,
            Format.PYTORCH_ZIP, Format.NUMPY_ZIP, Format.NUMPY, Format.KERAS, Format.MODEL_PACKAGE, Format.ZIP,
            Format.GZIP);
    /** Scanner rules the gate acts on, and the guard rule each is reported under. */
    private static final Set<String> IMPORTS = Set.of("pickle.dangerous_import", "pickle.dynamic_import",
            "pickle.dynamic_call", "pickle.extension_code", "pickle.global_mutation");
    private static final Set<String> ARCHIVE = Set.of("zip.path_traversal", "zip.absolute_path", "zip.compression_ratio",
            "zip.too_many_entries", "zip.total_size", "zip.symlink", "zip.nesting_depth", "zip.multiple_end_records",
            "gzip.compression_ratio", "zip.backslash_path");
    private static final StaticScan SCAN = new StaticScan(ImportTiers.builtin(), new StaticScanPolicy(Severity.MEDIUM,
            new PickleMachine.Limits(2_000_000L, 100_000, 10_000, 100_000, 64 * 1024, 4096, 4),
            new ZipArchive.Limits(10_000, 500, 64L << 20, 64L << 30, 16L << 20), 2, 8L << 20, 5));

    private QuickModelScan() {
    }

    static List<Finding> scan(ByteSource src, Format format, String where) throws IOException {
        if (!APPLIES.contains(format)) {
            return List.of();
        }
        List<Finding> out = new ArrayList<>();
        for (Finding f : SCAN.scan(src, format).findings()) {
            if (!f.severity().blocksByDefault()) {
                continue;
            }
            String rule = IMPORTS.contains(f.rule()) ? "guard.pickle_import" : ARCHIVE.contains(f.rule()) ? "guard.archive" : null;
            if (rule != null) {
                out.add(new Finding(rule, f.severity(), GuardEngine.STAGE,
                        f.location().isEmpty() ? where : where + " " + f.location(), "[" + f.rule() + "] " + f.message(),
                        f.evidence()));
            }
        }
        return out;
    }
}
