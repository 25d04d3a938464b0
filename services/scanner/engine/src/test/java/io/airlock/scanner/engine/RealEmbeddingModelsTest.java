package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No false alarm on the real ONNX models inside the langchain4j all-MiniLM-L6-v2 jars (90 MB float,
 * 23 MB quantized, test dependencies): identified as ONNX and passed by the default scan with no
 * finding that rejects. Prints what each report holds.
 */
class RealEmbeddingModelsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2.onnx", "all-minilm-l6-v2-q.onnx"})
    void theRealEmbeddingModelPassesTheDefaultScan(String resource) throws IOException {
        Path f = dir.resolve(resource);
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as("resource %s of the langchain4j test dependency", resource).isNotNull();
            Files.copy(in, f);
        }
        ScanReport r = new ScanEngine().scan(f, Kind.MODEL);
        List<Finding> findings = r.stages().stream().flatMap(s -> s.findings().stream()).toList();
        System.out.printf("RealEmbeddingModelsTest: %s, %d bytes, verdict %s, %d findings %s%n", resource, r.size(),
                r.verdict(), findings.size(), findings.stream().map(x -> x.rule() + "/" + x.severity()).toList());
        assertThat(r.format()).isEqualTo(Format.ONNX);
        assertThat(r.verdict()).as(r.toString()).isEqualTo(ScanVerdict.PASS);
        assertThat(findings).noneMatch(x -> x.severity().blocksByDefault());
    }
}
