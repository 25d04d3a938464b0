package io.airlock.scanner.engine.analysis;

import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.formats.ByteSource;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Scans every file of a folder and prints what the static scan reports, for checking real files
 * by hand: {@code -Dtest=RealFilesCheck -Dairlock.realdir=/path}. Asserts nothing.
 */
class RealFilesCheck {
    @Test
    void scanFolder() throws Exception {
        String dir = System.getProperty("airlock.realdir", "");
        assumeTrue(!dir.isEmpty(), "set -Dairlock.realdir");
        try (Stream<Path> files = Files.list(Path.of(dir)).sorted()) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Format format = FormatSniffer.sniff(f).format();
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    StaticScan.Outcome o = new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults())
                            .scan(ByteSource.of(ch), format);
                    long bad = o.findings().stream().filter(x -> x.severity().atLeast(io.airlock.contracts.Severity.MEDIUM)).count();
                    System.out.printf("REAL %-24s %-14s applicable=%s findings=%d medium+=%d%n", f.getFileName(), format.id(),
                            o.applicable(), o.findings().size(), bad);
                    o.findings().stream().filter(x -> x.severity().atLeast(io.airlock.contracts.Severity.MEDIUM))
                            .forEach(x -> System.out.println("REAL    " + x.rule() + " " + x.severity() + " @" + x.location()
                                    + " | " + x.message() + " | " + x.evidence()));
                }
            }
        }
    }
}
