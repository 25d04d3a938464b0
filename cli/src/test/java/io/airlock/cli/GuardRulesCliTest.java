package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.airlock.cli.CliTest.airlock;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code airlock guard} with profiles, rules files and SARIF output; {@code airlock scan --format sarif}. */
class GuardRulesCliTest {
    static final String ENV_KERNEL = """
            import os
            import torch

            def custom_kernel(data):
                if os.environ.get("BENCHMARK"):
                    return data[1]
                return data[0] @ data[1]
            """;

    @TempDir
    Path dir;

    @Test
    void aKernelExploitBlocksWithItsRuleAndLineInSarif() throws Exception {
        Path k = Files.writeString(dir.resolve("submission.py"), ENV_KERNEL);
        CliTest.Run r = airlock("guard", k.toString(), "--kind", "kernel", "--format", "sarif");
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        JsonNode sarif = r.json();
        assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
        JsonNode result = sarif.path("runs").get(0).path("results").get(0);
        assertThat(result.path("ruleId").asText()).isEqualTo("guard.kernel.env_branch");
        assertThat(result.path("level").asText()).isEqualTo("error");
        assertThat(result.path("locations").get(0).path("logicalLocations").get(0).path("fullyQualifiedName").asText())
                .isEqualTo("submission.py:5");
        assertThat(result.path("properties").path("evidence").asText()).isEqualTo("if os.environ.get(\"BENCHMARK\"):");
    }

    @Test
    void aRulesFileOrAProfileChangesTheOutcomeAndSaysWhatItLoosened() throws Exception {
        Path k = Files.writeString(dir.resolve("submission.py"), ENV_KERNEL);
        Path rules = Files.writeString(dir.resolve("rules.yaml"), "rules:\n  guard.kernel.env_branch: warn\n");
        CliTest.Run warned = airlock("guard", k.toString(), "--kind", "kernel", "--rules", rules.toString());
        assertThat(warned.code()).as(warned.out() + warned.err()).isZero();
        assertThat(warned.err()).contains("loosened").contains("guard.kernel.env_branch=MEDIUM");
        assertThat(warned.out()).contains("MEDIUM").contains("guard.kernel.env_branch");

        assertThat(airlock("guard", k.toString(), "--kind", "kernel", "--profile", "permissive").code()).isZero();
        assertThat(airlock("guard", k.toString(), "--kind", "kernel", "--profile", "strict").code()).isEqualTo(1);
    }

    @Test
    void anUnknownRuleProfileOrKeyIsAToolError() throws Exception {
        Path k = Files.writeString(dir.resolve("submission.py"), ENV_KERNEL);
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "rules:\n  guard.kernel.typo: off\n");
        CliTest.Run r = airlock("guard", k.toString(), "--kind", "kernel", "--rules", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown rule id 'guard.kernel.typo'");
        assertThat(airlock("guard", k.toString(), "--kind", "kernel", "--profile", "lenient").code()).isEqualTo(2);
    }

    @Test
    void scanWritesSarifWithTheArtifactDigestAndNotRunStagesAsNotifications() throws Exception {
        Path pickle = Files.write(dir.resolve("model.pkl"), CliTest.PICKLE);
        CliTest.Run r = airlock("scan", pickle.toString(), "--format", "sarif");
        assertThat(r.code()).isEqualTo(1);
        JsonNode run = r.json().path("runs").get(0);
        assertThat(run.path("artifacts").get(0).path("hashes").path("sha-256").asText()).hasSize(64);
        assertThat(run.path("results").findValuesAsText("ruleId")).isNotEmpty();
        assertThat(run.path("tool").path("driver").path("name").asText()).isEqualTo("airlock");
    }
}
