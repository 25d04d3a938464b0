package io.airlock.scanner.engine;

import io.airlock.fixtures.PickleBuilder;

import io.airlock.fixtures.Samples;

import io.airlock.formats.Format;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.scanner.engine.Folders.Container;
import io.airlock.scanner.engine.analysis.WeightStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static io.airlock.scanner.engine.Folders.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The policy's line and disabled stages are applied inside the engine, stage by stage. */
class ScanPolicyTest {
    /** GLOBAL os.system, "id", TUPLE1, REDUCE. */
    static final byte[] OS_SYSTEM = "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R."
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    ScanReport scan(byte[] bytes, ScanPolicy p) throws IOException {
        Path f = Files.write(dir.resolve("artifact.bin"), bytes);
        return new ScanEngine().scan(f, p.options(ScanOptions.defaults(Kind.MODEL)), StageListener.NONE);
    }

    static ScanPolicy line(String builtin, Severity s) {
        return ScanPolicy.builtin(builtin).withFailOn(s);
    }

    static StageResult stage(ScanReport r, String name) {
        return r.stage(name).orElseThrow();
    }

    @Test
    void aLooserLinePassesHighFindingsOfAnalysisAndStillRunsTheLaterStages() throws IOException {
        byte[] repo = Folders.pack(with(Folders.hfRepository(), "repo/modeling_x.py", "import os\n"), Container.ZIP);

        ScanReport strict = scan(repo, ScanPolicy.builtin("default"));
        assertThat(strict.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(stage(strict, ScanEngine.FOLDER_SCAN).status()).isEqualTo(StageStatus.FAIL);

        ScanReport loose = scan(repo, line("default", Severity.CRITICAL));
        assertThat(loose.verdict()).as(loose.toString()).isEqualTo(ScanVerdict.PASS);
        StageResult folder = stage(loose, ScanEngine.FOLDER_SCAN);
        assertThat(folder.status()).isEqualTo(StageStatus.PASS);
        assertThat(folder.findings()).extracting(Finding::rule).contains("hf.python_code");
        assertThat(folder.details()).containsEntry("policy", "default@" + ScanEngine.VERSION + " fail_on=CRITICAL")
                .containsKey("judgedBy");
    }

    @Test
    void gateFindingsRejectWhateverTheLine() throws IOException {
        ScanPolicy loose = line("default", Severity.CRITICAL);
        // a denied format
        ScanReport denied = scan(Samples.pickleProto2(), loose);
        assertThat(denied.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(stage(denied, ScanEngine.FORMAT_GATE).findings()).extracting(Finding::rule).contains("format.denied");
        // a malformed file of an allowed format
        byte[] st = Samples.safetensors();
        byte[] cut = java.util.Arrays.copyOf(st, st.length - 1);
        ScanReport truncated = scan(cut, loose);
        assertThat(truncated.verdict()).as(truncated.toString()).isEqualTo(ScanVerdict.REJECT);
        assertThat(stage(truncated, ScanEngine.FORMAT_GATE).status()).isEqualTo(StageStatus.FAIL);
        // a digest that does not match
        Path f = Files.write(dir.resolve("m.safetensors"), st);
        ScanReport mismatch = new ScanEngine().scan(f, loose.options(ScanOptions.defaults(Kind.MODEL))
                .withExpectedSha256("00".repeat(32)), StageListener.NONE);
        assertThat(mismatch.verdict()).isEqualTo(ScanVerdict.REJECT);
        // a rule nobody classified (added later) fails closed
        assertThat(ScanOptions.judgedByAnalysis(new Finding("onnx.something_new", Severity.HIGH, "format_gate", "", "", "")))
                .isFalse();
        assertThat(ScanOptions.judgedByAnalysis(new Finding("pickle.malformed", Severity.HIGH, "static_scan", "", "", "")))
                .isFalse();
        // and CRITICAL findings of analysis
        ScanReport dangerous = scan(OS_SYSTEM, line("permissive", Severity.CRITICAL));
        assertThat(dangerous.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(stage(dangerous, ScanEngine.STATIC_SCAN).findings()).extracting(Finding::rule)
                .contains("pickle.dangerous_import");
    }

    @Test
    void aTighterLineFailsTheStageThatFoundIt() throws IOException {
        byte[] unknown = "\u0080\u0002cfoo\nBar\n)\u0081.".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(scan(unknown, ScanPolicy.builtin("permissive")).verdict()).isEqualTo(ScanVerdict.PASS);
        ScanReport tight = scan(unknown, line("permissive", Severity.MEDIUM));
        assertThat(tight.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(stage(tight, ScanEngine.STATIC_SCAN).status()).isEqualTo(StageStatus.FAIL);
        assertThat(stage(tight, ScanEngine.FOLDER_SCAN).status()).isEqualTo(StageStatus.SKIPPED);
    }

    @Test
    void aDisabledStageIsReportedAsDisabledNeverAsPassed() throws IOException {
        ScanPolicy base = ScanPolicy.builtin("permissive");
        ScanPolicy noStatic = new ScanPolicy("blind", "1", base.allowed(), base.denied(), Severity.HIGH,
                Set.of(ScanEngine.STATIC_SCAN), WeightStats.Thresholds.defaults());
        ScanReport r = scan(OS_SYSTEM, noStatic);
        // the protection really is off: this is what an operator who disables it gets
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        StageResult s = stage(r, ScanEngine.STATIC_SCAN);
        assertThat(s.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(s.details().get("reason")).isEqualTo("disabled by policy blind@1");
        assertThat(noStatic.loosenings()).anyMatch(l -> l.contains("static_scan disabled"))
                .anyMatch(l -> l.contains("format pickle allowed"));
        assertThat(scan(OS_SYSTEM, base).verdict()).isEqualTo(ScanVerdict.REJECT);
    }

    @Test
    void integrityAndTheFormatGateCannotBeDisabled() {
        ScanPolicy base = ScanPolicy.builtin("default");
        for (String stage : new String[]{ScanEngine.INTEGRITY, ScanEngine.FORMAT_GATE}) {
            assertThatThrownBy(() -> new ScanPolicy("x", "", base.allowed(), base.denied(), Severity.HIGH, Set.of(stage),
                    WeightStats.Thresholds.defaults()))
                    .hasMessageContaining("cannot be disabled");
        }
        assertThat(ScanPolicy.builtin("default").loosenings()).isEmpty();
    }

    @Test
    void aFormatAllowedByNameIsNoLongerDeniedByTheDefaultsUnlessTheFileDeniesIt() throws IOException {
        ScanPolicy allows = ScanPolicy.load(Files.writeString(dir.resolve("a.yaml"), "allow: [safetensors, pickle]\n"));
        assertThat(allows.denied()).doesNotContain(Format.PICKLE).contains(Format.PYTORCH_ZIP, Format.JOBLIB);
        assertThat(scan(Samples.pickleProto2(), allows).verdict()).isEqualTo(ScanVerdict.PASS);
        ScanPolicy both = ScanPolicy.load(Files.writeString(dir.resolve("b.yaml"), "allow: [pickle]\ndeny: [pickle]\n"));
        assertThat(scan(Samples.pickleProto2(), both).verdict()).as("deny wins").isEqualTo(ScanVerdict.REJECT);
    }

    @Test
    void aPolicyFileExtendsThePickleImportTableAndTheLooseningIsLogged() throws IOException {
        Path file = Files.writeString(dir.resolve("imports.yaml"), """
                allow: [pickle]
                pickle_imports:
                  - {tier: class, name: "mylib.*", why: our model classes}
                  - {tier: call, name: mylib.build, why: our factory, args: "@str"}
                """);
        ScanPolicy ours = ScanPolicy.load(file);
        byte[] pickle = PickleBuilder.p().proto(2).global("mylib.models", "Net").op(')').op(0x81).global("mylib", "build")
                .binUnicode("small").op(0x85).reduce().op(0x86).stop().bytes();
        Path sample = Files.write(dir.resolve("model.pkl"), pickle);
        java.util.function.Function<ScanPolicy, java.util.List<String>> rules = pol -> ScanEngine.of(pol)
                .scan(sample, pol.options(ScanOptions.defaults(Kind.MODEL)), StageListener.NONE)
                .stages().stream().flatMap(st -> st.findings().stream()).map(f -> f.rule() + "/" + f.severity()).toList();
        assertThat(rules.apply(ScanPolicy.builtin("permissive"))).contains("pickle.unknown_import/MEDIUM", "pickle.unlisted_call/HIGH");
        assertThat(rules.apply(ours)).contains("pickle.safe_import/INFO").doesNotContain("pickle.unknown_import/MEDIUM",
                "pickle.unlisted_call/HIGH");
        assertThat(ours.loosenings()).anySatisfy(l -> assertThat(l).contains("pickle import allowed: class mylib.*"));
        Path rewrite = Files.writeString(dir.resolve("r.yaml"), "pickle_imports: [{tier: call, name: builtins.eval, why: x}]\n");
        assertThatThrownBy(() -> ScanPolicy.load(rewrite)).hasMessageContaining("listed twice");
        Path deny = Files.writeString(dir.resolve("d.yaml"), "pickle_imports: [{tier: dangerous, name: \"x.*\", why: x}]\n");
        assertThatThrownBy(() -> ScanPolicy.load(deny)).hasMessageContaining("only call and class");
        Path typo = Files.writeString(dir.resolve("y.yaml"), "pickle_imports: [{tier: class, nmae: x.Y, why: x}]\n");
        assertThatThrownBy(() -> ScanPolicy.load(typo)).hasMessageContaining("pickle_imports");
    }

    @Test
    void aPolicyFileNamesStagesStrictly() throws IOException {
        Path ok = Files.writeString(dir.resolve("p.yaml"), "name: lab\nfail_on: CRITICAL\ndisable: [provenance]\n");
        ScanPolicy p = ScanPolicy.load(ok);
        assertThat(p.failOn()).isEqualTo(Severity.CRITICAL);
        assertThat(p.disabledStages()).containsExactly(ScanEngine.PROVENANCE);
        assertThat(p.describe()).isEqualTo("lab fail_on=CRITICAL disabled=provenance");
        Path typo = Files.writeString(dir.resolve("t.yaml"), "disable: [static-scan]\n");
        assertThatThrownBy(() -> ScanPolicy.load(typo)).hasMessageContaining("unknown stage 'static-scan'");
        Path gate = Files.writeString(dir.resolve("g.yaml"), "disable: [integrity]\n");
        assertThatThrownBy(() -> ScanPolicy.load(gate)).hasMessageContaining("cannot be disabled");
    }
}
