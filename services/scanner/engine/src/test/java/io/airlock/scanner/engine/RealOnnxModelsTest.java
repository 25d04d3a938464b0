package io.airlock.scanner.engine;

import io.airlock.contracts.Kind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * No false alarm on real ONNX models: every model of Debian's libonnx-testdata (the ONNX
 * project's node and model tests) is identified as ONNX and passes the default scan. Skipped,
 * with the reason, where the package is not installed (.ci/run installs it).
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
        long t0 = System.nanoTime();
        for (Path m : models) {
            ScanReport r = engine.scan(m, Kind.MODEL);
            if (r.format() != Format.ONNX || r.verdict() != ScanVerdict.PASS) {
                problems.add(DATA.relativize(m) + ": " + r.format().id() + " " + r.verdict() + " "
                        + r.stages().stream().flatMap(st -> st.findings().stream()).map(f -> f.rule()).toList());
            }
        }
        System.out.printf("[real-onnx] %d models scanned in %d ms, %d problems%n", models.size(),
                (System.nanoTime() - t0) / 1_000_000, problems.size());
        assertThat(models).hasSizeGreaterThan(1000);
        assertThat(problems).isEmpty();
    }
}
