package io.airlock.guard.engine;

import io.airlock.contracts.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rules are data: profiles and a rules file decide outcomes; anything unknown is refused at load. */
class GuardRulesTest {
    static final byte[] ENV_BRANCH = """
            import os
            def custom_kernel(data):
                if os.environ.get("BENCH"):
                    return data[1]
                return data[0] @ data[1]
            """.getBytes(StandardCharsets.UTF_8);
    static final byte[] TIMER = "import torch\ntorch.cuda.synchronize = lambda: None\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] STRINGS_ONLY = "import torch\nx = torch.ones(3)\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static GuardResult check(GuardRules rules, byte[] kernel) {
        return new GuardEngine(GuardPolicy.defaults().withRules(rules))
                .check(GuardInput.ofInline(Kind.KERNEL, "", "k.py", kernel));
    }

    @Test
    void theDefaultProfileBlocksAndARulesFileCanWarnOrTurnARuleOff() throws Exception {
        assertThat(check(GuardRules.defaults(), ENV_BRANCH).verdict()).isEqualTo(GuardVerdict.BLOCK);

        Path warn = Files.writeString(dir.resolve("warn.yaml"), "rules:\n  guard.kernel.env_branch: warn\n");
        GuardResult r = check(GuardRules.load(warn, "default"), ENV_BRANCH);
        assertThat(r.verdict()).isEqualTo(GuardVerdict.ALLOW);
        assertThat(r.findings()).extracting(f -> f.rule() + "/" + f.severity())
                .contains("guard.kernel.env_branch/MEDIUM");
        assertThat(GuardRules.load(warn, "default").loosened()).containsExactly("guard.kernel.env_branch=MEDIUM");

        Path off = Files.writeString(dir.resolve("off.yaml"), "profile: default\nrules:\n  guard.kernel.env_branch: off\n");
        assertThat(check(GuardRules.load(off, "default"), ENV_BRANCH).findings()).isEmpty();
    }

    @Test
    void permissiveReportsHeuristicsButStillBlocksCriticalPatches() {
        GuardRules permissive = GuardRules.profile("permissive");
        assertThat(check(permissive, ENV_BRANCH).verdict()).isEqualTo(GuardVerdict.ALLOW);
        assertThat(check(permissive, TIMER).verdict()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(permissive.loosened()).contains("guard.kernel.env_branch=MEDIUM");
    }

    @Test
    void strictBlocksWhatDefaultOnlyReports() throws Exception {
        Path warn = Files.writeString(dir.resolve("w.yaml"), "profile: strict\nrules:\n  guard.kernel.ctypes: LOW\n");
        GuardRules strictWithLowCtypes = GuardRules.load(warn, "default");
        assertThat(strictWithLowCtypes.profileName()).isEqualTo("strict");
        byte[] ctypes = "import ctypes\n".getBytes(StandardCharsets.UTF_8);
        assertThat(check(strictWithLowCtypes, ctypes).verdict()).isEqualTo(GuardVerdict.ALLOW);
        assertThat(check(GuardRules.profile("strict"), ctypes).verdict()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(check(GuardRules.profile("strict"), STRINGS_ONLY).verdict()).isEqualTo(GuardVerdict.ALLOW);
    }

    @Test
    void unknownIdsKeysOutcomesAndProfilesAreRefusedAtLoad() throws Exception {
        Path badId = Files.writeString(dir.resolve("a.yaml"), "rules:\n  guard.kernel.no_such_rule: off\n");
        assertThatThrownBy(() -> GuardRules.load(badId, "default")).hasMessageContaining("unknown rule id");
        Path badKey = Files.writeString(dir.resolve("b.yaml"), "profil: strict\n");
        assertThatThrownBy(() -> GuardRules.load(badKey, "default")).hasMessageContaining("unknown key 'profil'");
        Path badOutcome = Files.writeString(dir.resolve("c.yaml"), "rules:\n  guard.kernel.network: maybe\n");
        assertThatThrownBy(() -> GuardRules.load(badOutcome, "default")).hasMessageContaining("unknown outcome 'maybe'");
        Path badProfile = Files.writeString(dir.resolve("d.yaml"), "profile: lenient\n");
        assertThatThrownBy(() -> GuardRules.load(badProfile, "default")).hasMessageContaining("unknown guard profile");
        assertThatThrownBy(() -> GuardRules.profile("x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyRuleTheEngineCanReportIsInTheCatalog() {
        for (var r : io.airlock.guard.engine.kernel.KernelRule.values()) {
            assertThat(GuardRules.CATALOG).containsKey(r.id());
        }
        assertThat(GuardRules.CATALOG).containsKeys("guard.size_limit", "guard.kind_mismatch", "guard.format_mismatch",
                "guard.unknown_format", "guard.claim_unrecognized", "guard.size_mismatch");
    }
}
