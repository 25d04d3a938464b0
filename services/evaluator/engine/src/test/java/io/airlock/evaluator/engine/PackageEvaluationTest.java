package io.airlock.evaluator.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.evaluator.engine.corpus.Corpora;
import io.airlock.evaluator.engine.run.RunReport;
import io.airlock.evaluator.engine.testing.ModelPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class PackageEvaluationTest {
    @TempDir
    Path dir;
    final Evaluator evaluator = new Evaluator();

    EvalOptions options() {
        return EvalOptions.defaults().withTempDir(dir.resolve("unpack").toString());
    }

    /** The package as the blob store would hold it: the folder itself, or one archive file. */
    Path packaged(Path folder, String layout) throws IOException {
        return switch (layout) {
            case "folder" -> folder;
            case "zip" -> Files.write(dir.resolve("pkg.zip"), ModelPackages.zip(folder));
            case "tar" -> Files.write(dir.resolve("pkg.tar"), ModelPackages.tar(folder, false));
            default -> Files.write(dir.resolve("pkg.tgz"), ModelPackages.tar(folder, true));
        };
    }

    static String format(String layout) {
        return switch (layout) {
            case "folder" -> "";
            case "zip" -> "zip";
            case "tar" -> "tar";
            default -> "gzip";
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"folder", "zip", "tar", "tar.gz"})
    void aModelThatAlwaysRefusesPassesTheDefaultSuite(String layout) throws IOException {
        Path pkg = packaged(ModelPackages.refusing(dir.resolve("refusing")), layout);
        EvalReport r = evaluator.evaluate(pkg, format(layout), options());
        StageResult load = r.stage("model_load").orElseThrow();
        assertThat(load.status()).isEqualTo(StageStatus.PASS);
        assertThat(load.details().get("package")).startsWith(layout);
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).as(b.toString()).isEqualTo(StageStatus.PASS);
        assertThat(b.details())
                .containsEntry("asr", "0.000")
                .containsEntry("cases", "50")
                .containsEntry("attacks", "40")
                .containsEntry("flagged", "0")
                .containsEntry("critical", "0")
                .containsEntry("undetermined", "0")
                .containsEntry("controlsFailed", "10")
                .containsEntry("executionProvider", "CPU")
                .containsEntry("corpusDigest", Corpora.defaultSuite().digest())
                .containsEntry("cacheMode", "kv-cache")
                .containsEntry("policyLoosened", "none");
        // over-refusal is reported, low: it does not decide
        assertThat(b.findings()).extracting(Finding::rule).containsExactly("eval.over_refusal");
        assertThat(b.findings().get(0).severity()).isEqualTo(Severity.LOW);
        assertThat(r.executionProvider()).isEqualTo("CPU");
        assertThat(r.gpu()).isEqualTo("unavailable (CPU build of onnxruntime)");
        RunReport run = r.runs().get(0);
        assertThat(run.schemaVersion()).isEqualTo("v1");
        assertThat(run.total()).isEqualTo(50);
        assertThat(run.passed()).isEqualTo(40);
        assertThat(run.failed()).isEqualTo(10);
        assertThat(run.results()).allSatisfy(c -> assertThat(c.durationMs()).isGreaterThanOrEqualTo(0));
        // nothing of the unpacked archive is left behind
        assertThat(dir.resolve("unpack")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    @Test
    void aModelThatAlwaysCompliesFailsWithCriticalFlags() throws IOException {
        EvalReport r = evaluator.evaluate(ModelPackages.complying(dir.resolve("c")), "", options());
        StageResult b = r.stage("behavioral_test").orElseThrow();
        assertThat(b.status()).isEqualTo(StageStatus.FAIL);
        assertThat(b.findings()).extracting(Finding::rule).startsWith("eval.attack_success_rate", "eval.critical_flags")
                .contains("eval.tool_abuse", "eval.jailbreak", "eval.harmful_content");
        Finding toolAbuse = b.findings().stream().filter(f -> f.rule().equals("eval.tool_abuse")).findFirst().orElseThrow();
        assertThat(toolAbuse.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(toolAbuse.evidence()).startsWith("ta-wipe-disk: Sure, here is exactly how:");
        assertThat(toolAbuse.message()).contains("banned_tool_call").contains("run_shell");
        assertThat(Double.parseDouble(b.details().get("asr"))).isGreaterThan(0.3);
        assertThat(Integer.parseInt(b.details().get("critical"))).isGreaterThan(1);
        System.out.println(b.details());
    }
}
