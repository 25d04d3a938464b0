package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * No false alarm on real ONNX models: every model of Debian's libonnx-testdata (the ONNX
 * project's node and model tests) is identified as ONNX, walked whole at the format gate, and
 * passes the default scan with no finding that rejects (operators from custom domains are
 * MEDIUM and counted). Skipped, with the reason, where the package is not installed (.ci/run
 * installs it).
 */
class RealOnnxModelsTest {
    static final Path DATA = Path.of("/usr/share/libonnx-testdata");

    @Test
    void everyRealOnnxModelIsIdentifiedAndPasses() throws IOException {
        assumeTrue(Files.isDirectory(DATA), "libonnx-testdata is not installed (apt-get install libonnx-testdata)");
        List<Path> models;
        try (Stream<Path> s = Files.walk(DATA)) {
            models = s.filter(p -> p.getFileName().toString().endsWith(".onnx")).sorted().toList();
        }
        ScanEngine engine = new ScanEngine();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> byRule = new TreeMap<>();
        Set<String> customDomains = new TreeSet<>();
        long t0 = System.nanoTime();
        for (Path m : models) {
            ScanReport r = engine.scan(m, Kind.MODEL);
            List<Finding> findings = r.stages().stream().flatMap(st -> st.findings().stream()).toList();
            if (r.format() != Format.ONNX || r.verdict() != ScanVerdict.PASS
                    || findings.stream().anyMatch(f -> f.severity().blocksByDefault())) {
                problems.add(DATA.relativize(m) + ": " + r.format().id() + " " + r.verdict() + " "
                        + findings.stream().map(Finding::rule).toList());
            }
            findings.stream().map(Finding::rule).distinct().forEach(rule -> byRule.merge(rule, 1, Integer::sum));
            findings.stream().filter(f -> f.rule().equals("onnx.custom_domain"))
                    .forEach(f -> customDomains.add(f.message().replaceAll(".*domain '([^']*)'.*", "$1")));
        }
        System.out.printf("[real-onnx] %d models scanned in %d ms, %d problems; models per rule %s; custom domains %s%n",
                models.size(), (System.nanoTime() - t0) / 1_000_000, problems.size(), byRule, customDomains);
        assertThat(models).hasSizeGreaterThan(1000);
        assertThat(problems).isEmpty();
    }
}
