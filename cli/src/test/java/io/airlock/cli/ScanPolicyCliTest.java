package io.airlock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.airlock.cli.CliTest.airlock;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code airlock scan --policy NAME|FILE --fail-on SEVERITY}: pickles built byte by byte here. */
class ScanPolicyCliTest {
    /** GLOBAL os.system, "id", TUPLE1, REDUCE: runs a command when loaded. */
    static final byte[] OS_SYSTEM = "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R."
            .getBytes(StandardCharsets.ISO_8859_1);
    /** GLOBAL foo.Bar, EMPTY_TUPLE, NEWOBJ: a class nobody knows, neither safe nor dangerous. */
    static final byte[] UNKNOWN_CLASS = "\u0080\u0002cfoo\nBar\n)\u0081.".getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @Test
    void permissiveJudgesAPickleByItsContentAlone() throws Exception {
        Path benign = Files.write(dir.resolve("weights.pkl"), CliTest.PICKLE);
        assertThat(airlock("scan", benign.toString()).code()).as("pickles are denied by default").isEqualTo(1);
        CliTest.Run ok = airlock("scan", benign.toString(), "--policy", "permissive");
        assertThat(ok.code()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("policy permissive");
        Path hostile = Files.write(dir.resolve("model.pkl"), OS_SYSTEM);
        assertThat(airlock("scan", hostile.toString(), "--policy", "permissive").code()).isEqualTo(1);
    }

    @Test
    void failOnMovesTheLineButGateFindingsStillReject() throws Exception {
        Path unknown = Files.write(dir.resolve("custom.pkl"), UNKNOWN_CLASS);
        CliTest.Run passes = airlock("scan", unknown.toString(), "--policy", "permissive", "--format", "json");
        assertThat(passes.code()).as(passes.out()).isZero();
        assertThat(passes.out()).contains("pickle.unknown_import").contains("MEDIUM");
        CliTest.Run tightened = airlock("scan", unknown.toString(), "--policy", "permissive", "--fail-on", "MEDIUM");
        assertThat(tightened.code()).as(tightened.out()).isEqualTo(1);
        // a looser line passes HIGH findings of analysis, never the policy's own format decision
        CliTest.Run loosened = airlock("scan", unknown.toString(), "--fail-on", "CRITICAL");
        assertThat(loosened.code()).as(loosened.out()).isEqualTo(1);
        assertThat(loosened.out()).contains("format.denied");
        assertThat(loosened.err()).contains("loosens the default: fail_on CRITICAL");
    }

    @Test
    void aPolicyFileIsReadStrictly() throws Exception {
        Path benign = Files.write(dir.resolve("weights.pkl"), CliTest.PICKLE);
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                name: research
                version: "2026.11"
                allow: [gguf, safetensors, onnx, pickle]
                deny: [pytorch_legacy, joblib]
                fail_on: MEDIUM
                """);
        CliTest.Run r = airlock("scan", benign.toString(), "--policy", policy.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("policy research@2026.11 fail_on=MEDIUM");

        Path typo = Files.writeString(dir.resolve("typo.yaml"), "name: x\nfailon: LOW\n");
        assertThat(airlock("scan", benign.toString(), "--policy", typo.toString()).err()).contains("unknown key 'failon'");
        Path format = Files.writeString(dir.resolve("format.yaml"), "allow: [gguff]\n");
        assertThat(airlock("scan", benign.toString(), "--policy", format.toString()).err()).contains("unknown format 'gguff'");
        Path blind = Files.writeString(dir.resolve("blind.yaml"), "disable: [integrity]\n");
        CliTest.Run refused = airlock("scan", benign.toString(), "--policy", blind.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("cannot be disabled");
        assertThat(airlock("scan", benign.toString(), "--policy", "nope").code()).isEqualTo(2);
    }

    @Test
    void aPolicyFileExtendsThePickleImportsAndSaysSo() throws Exception {
        Path called = Files.write(dir.resolve("called.pkl"), "\u0080\u0002cfoo\nBar\n)R.".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(airlock("scan", called.toString(), "--policy", "permissive").code()).as("foo.Bar called, no entry: HIGH")
                .isEqualTo(1);
        Path policy = Files.writeString(dir.resolve("ours.yaml"), """
                allow: [pickle]
                pickle_imports:
                  - {tier: call, name: foo.Bar, why: our class}
                """);
        CliTest.Run r = airlock("scan", called.toString(), "--policy", policy.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.err()).contains("loosens the default: pickle import allowed: call foo.Bar our class");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "pickle_imports: [{tier: call, name: \"foo.*\", why: x}]\n");
        CliTest.Run refused = airlock("scan", called.toString(), "--policy", bad.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("never a prefix");
    }
}
