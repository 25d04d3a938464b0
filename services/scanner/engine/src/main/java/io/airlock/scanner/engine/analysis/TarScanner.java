package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.TarArchive;
import io.airlock.formats.ZipArchive;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies the archive rules to one tar stream (see {@link TarArchive}) and looks at every regular
 * member by its content, as {@link ArchiveScanner} does for a zip: a pickle is analysed whatever its
 * name, nested archives and gzip bodies are opened within the depth bound. The stream is read
 * once, front to back, so a tar inside a gzip costs one inflate. A pickle in a tar is
 * {@code tar.pickle_member} (MEDIUM) besides its own analysis.
 */
final class TarScanner {
    private final StaticScan scan;
    private final StaticScan.Run run;

    TarScanner(StaticScan scan, StaticScan.Run run) {
        this.scan = scan;
        this.run = run;
    }

    void scan(InputStream in, String where, int depth) throws IOException {
        run.count("archives", 1);
        List<ZipArchive.Problem> problems = new ArrayList<>();
        TarArchive tar = TarArchive.open(in, TarArchive.Limits.of(scan.policy().zip()), problems);
        List<String> pickles = new ArrayList<>();
        TarArchive.Entry e;
        while ((e = tar.next()) != null) {
            if (!e.regular() || e.size() > scan.policy().zip().maxEntryBytes()) {
                continue; // links, devices and oversize members are problems already; nothing to read
            }
            run.count("members", 1);
            String member = at(where, e.name());
            String base = ZipArchive.baseName(e.name());
            boolean byName = base.endsWith(".pkl") || base.endsWith(".pickle");
            StaticScan.Looked looked = scan.nested(run, tar.member(), e.size(), member, depth, byName,
                    PickleAnalyzer.Mode.PLAIN);
            if (looked.pickle() != null) {
                pickles.add(e.name());
            }
        }
        for (ZipArchive.Problem p : problems) {
            String loc = p.member().isEmpty() ? Findings.at(where.isEmpty() ? "tar" : where, p.offset()) : at(where, p.member());
            run.out.add(p.rule(), Severity.HIGH, loc, p.message(), "");
        }
        for (String p : pickles) {
            run.out.add("tar.pickle_member", Severity.MEDIUM, at(where, p),
                    "a pickle inside a tar archive; analysed above", "");
        }
    }

    static String at(String where, String name) {
        return (where.isEmpty() ? "member '" : where + " > '") + ZipArchive.printable(name) + "'";
    }
}
