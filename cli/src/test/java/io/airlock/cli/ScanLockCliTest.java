package io.airlock.cli;

import io.airlock.fixtures.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.airlock.cli.CliTest.airlock;
import static io.airlock.cli.CliTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code airlock scan --lock}: digests pinned in a sha256sum-format lock file. */
class ScanLockCliTest {
    @TempDir
    Path dir;

    @Test
    void aLockFilePinsTheDigestAndAnyOtherContentIsRejected() throws IOException {
        Path models = Files.createDirectories(dir.resolve("models"));
        byte[] model = OnnxModels.identityModel();
        Path f = Files.write(models.resolve("model.onnx"), model);
        // as `sha256sum models/model.onnx > airlock.lock` writes it, relative to the lock's folder
        Path lock = Files.writeString(dir.resolve("airlock.lock"), "# pinned\n" + sha256(model) + "  models/model.onnx\n");
        CliTest.Run ok = airlock("scan", f.toString(), "--lock", lock.toString(), "--format", "json");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.json().path("stages").get(1).path("details").path("expectedSha256").asText()).isEqualTo(sha256(model));

        byte[] swapped = model.clone();
        swapped[swapped.length - 1] ^= 1;
        Files.write(f, swapped);
        CliTest.Run bad = airlock("scan", f.toString(), "--lock", lock.toString(), "--format", "json");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out()).contains("integrity.sha256_mismatch");
    }

    @Test
    void aFileTheLockDoesNotNameOrABadLockIsAnErrorNeverAnUnpinnedScan() throws IOException {
        byte[] model = OnnxModels.identityModel();
        Path f = Files.write(dir.resolve("other.onnx"), model);
        Path lock = Files.writeString(dir.resolve("airlock.lock"), sha256(model) + " *model.onnx\n");
        CliTest.Run r = airlock("scan", f.toString(), "--lock", lock.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is not pinned in");

        for (String text : new String[]{"abc  other.onnx\n", sha256(model) + "  other.onnx\n" + sha256(model) + "  ./other.onnx\n",
                sha256(model) + "other.onnx\n"}) {
            Files.writeString(lock, text);
            CliTest.Run bad = airlock("scan", f.toString(), "--lock", lock.toString());
            assertThat(bad.code()).as(text).isEqualTo(2);
            assertThat(bad.err()).as(text).contains("lock file:");
        }
        Files.writeString(lock, sha256(model) + "  other.onnx\n");
        assertThat(airlock("scan", f.toString(), "--lock", lock.toString(), "--expected-sha256", sha256(model)).code())
                .isEqualTo(2);
    }
}
