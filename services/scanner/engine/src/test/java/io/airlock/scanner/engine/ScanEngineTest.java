package io.airlock.scanner.engine;

import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ScanEngineTest {
    @TempDir
    Path dir;
    final ScanEngine engine = new ScanEngine();

    @Test
    void anAllowedModelPassesAndEveryStageIsReportedAsItCompletes() throws IOException {
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf());
        List<String> seen = new ArrayList<>();
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), s -> seen.add(s.stage()));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        assertThat(r.format()).isEqualTo(Format.GGUF);
        assertThat(r.sha256()).hasSize(64);
        assertThat(r.size()).isEqualTo(Samples.gguf().length);
        assertThat(seen).containsExactly("integrity", "format_gate", "static_scan");
        // no-pretend: the stage that does not exist yet is not a pass
        StageResult st = r.stages().get(2);
        assertThat(st.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(st.details()).containsKey("reason");
    }

    @Test
    void aWrongExpectedDigestRejects() throws IOException {
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf());
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL).withExpectedSha256("0".repeat(64)), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stages().get(0).findings()).extracting(x -> x.rule()).containsExactly("integrity.sha256_mismatch");
    }

    @Test
    void theRightExpectedDigestPasses() throws IOException {
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf());
        String digest = engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE).sha256();
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL).withExpectedSha256(digest.toUpperCase()), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
    }

    @Test
    void aPickleIsDeniedButStillIdentified() throws IOException {
        Path f = Files.write(dir.resolve("model.safetensors"), Samples.pickle());
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.format()).isEqualTo(Format.PICKLE);
        assertThat(r.stages().get(1).findings()).extracting(x -> x.rule()).containsExactly("format.denied");
    }

    @Test
    void formatsOutsideTheAllowListAreRejected() throws IOException {
        Path f = Files.write(dir.resolve("a.npy"), Samples.npy());
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stages().get(1).findings()).extracting(x -> x.rule()).containsExactly("format.not_allowed");
    }

    @Test
    void unknownContentIsRejected() throws IOException {
        Path f = Files.write(dir.resolve("m.onnx"), new byte[]{1, 2, 3, 4});
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stages().get(1).findings()).extracting(x -> x.rule()).containsExactly("format.unknown");
    }

    @Test
    void aKernelMustBePythonSource() throws IOException {
        Path ok = Files.write(dir.resolve("k.py"), Samples.python());
        assertThat(engine.scan(ok, ScanOptions.defaults(Kind.KERNEL), StageListener.NONE).verdict()).isEqualTo(ScanVerdict.PASS);
        Path bad = Files.write(dir.resolve("k2.py"), Samples.gguf());
        ScanReport r = engine.scan(bad, ScanOptions.defaults(Kind.KERNEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stages().get(1).findings()).extracting(x -> x.rule()).containsExactly("format.kind_mismatch");
    }

    @Test
    void aMissingFileIsAnErrorNeverAPass() {
        ScanReport r = engine.scan(dir.resolve("gone"), ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.ERROR);
        assertThat(r.stages().get(0).status()).isEqualTo(StageStatus.ERROR);
        assertThat(r.stages().get(0).findings()).extracting(x -> x.rule()).containsExactly("scan.internal_error");
    }
}
