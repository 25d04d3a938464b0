package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.ByteSource;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.SevenZArchive;
import io.airlock.formats.ZipArchive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies the archive rules to one 7z archive ({@link SevenZArchive}) and looks at every regular
 * member by its content, as {@link ArchiveScanner} does for a zip and {@link TarScanner} for a tar:
 * a pickle is analysed whatever its name, nested archives are opened within the depth bound. A 7z
 * the library cannot read is {@code sevenz.malformed} (HIGH): not read is never passed.
 */
final class SevenZScanner {
    private final StaticScan scan;
    private final StaticScan.Run run;

    SevenZScanner(StaticScan scan, StaticScan.Run run) {
        this.scan = scan;
        this.run = run;
    }

    void scan(ByteSource src, String where, int depth) throws IOException {
        run.count("archives", 1);
        run.count("sevenZipArchives", 1);
        List<ZipArchive.Problem> problems = new ArrayList<>();
        try (SevenZArchive archive = SevenZArchive.open(src, scan.policy().zip(), problems)) {
            SevenZArchive.Entry e;
            while ((e = archive.next()) != null) {
                if (!e.regular() || e.size() > scan.policy().zip().maxEntryBytes()) {
                    continue; // links, anti-items and oversize members are problems already; nothing to read
                }
                run.count("members", 1);
                String base = ZipArchive.baseName(e.name());
                scan.nested(run, archive.member(), e.size(), TarScanner.at(where, e.name()), depth,
                        base.endsWith(".pkl") || base.endsWith(".pickle"), PickleAnalyzer.Mode.PLAIN);
            }
        } catch (FormatViolation v) {
            problems.add(new ZipArchive.Problem(v.rule(), v.getMessage(), v.offset(), ""));
        }
        for (ZipArchive.Problem p : problems) {
            String loc = p.member().isEmpty() ? (where.isEmpty() ? "7z archive" : where) : TarScanner.at(where, p.member());
            run.out.add(p.rule(), Severity.HIGH, loc, p.message(), "");
        }
    }
}
