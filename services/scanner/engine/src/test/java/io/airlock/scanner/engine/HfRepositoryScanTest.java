package io.airlock.scanner.engine;

import io.airlock.fixtures.Samples;

import io.airlock.formats.Format;
import io.airlock.formats.SniffLimits;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.scanner.engine.Folders.Container;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.stream.Stream;

import static io.airlock.scanner.engine.Folders.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Hugging Face repositories and Keras archives: what loading would run is found, honest repositories pass. */
class HfRepositoryScanTest {
    @TempDir
    Path dir;

    ScanReport scan(byte[] bytes, ScanOptions o) throws IOException {
        Path f = Files.write(dir.resolve("repo.bin"), bytes);
        return new ScanEngine().scan(f, o, StageListener.NONE);
    }

    static String rules(ScanReport r) {
        return r.stages().stream().flatMap(s -> s.findings().stream()).map(Finding::toString).toList().toString();
    }

    @ParameterizedTest
    @EnumSource(Container.class)
    void anHonestRepositoryWithoutRemoteCodePasses(Container c) throws IOException {
        ScanReport r = scan(Folders.pack(Folders.hfRepository(), c), ScanOptions.defaults(Kind.MODEL));
        assertThat(r.verdict()).as(rules(r)).isEqualTo(ScanVerdict.PASS);
        StageResult folder = r.stage(ScanEngine.FOLDER_SCAN).orElseThrow();
        assertThat(folder.status()).isEqualTo(StageStatus.PASS);
        assertThat(folder.findings()).isEmpty();
        // both chat templates were really scanned, not skipped
        assertThat(folder.details()).containsEntry("folder.chatTemplates", "2").containsEntry("folder.kinds", "hf_repository");
    }

    static Stream<Arguments> hostile() {
        Map<String, byte[]> repo = Folders.hfRepository();
        return Stream.of(
                arguments("auto_map in config.json", with(repo, "repo/config.json",
                        "{\"model_type\": \"x\", \"auto_map\": {\"AutoModel\": \"modeling_x.XModel\"}}"), "hf.remote_code"),
                arguments("trust_remote_code in tokenizer_config.json", with(repo, "repo/tokenizer_config.json",
                        "{\"tokenizer_class\": \"T\", \"trust_remote_code\": true}"), "hf.remote_code"),
                arguments("a Python module in the repository", with(repo, "repo/modeling_x.py",
                        "import os\nos.system('id')\n"), "hf.python_code"),
                arguments("compiled Python in the repository", with(repo, "repo/__pycache__/x.cpython-311.pyc",
                        new byte[]{(byte) 0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0}), "hf.python_code"),
                arguments("template injection in tokenizer_config.json", with(repo, "repo/tokenizer_config.json",
                        "{\"chat_template\": \"{{ ''.__class__.__mro__[1].__subclasses__() }}\"}"), "hf.template_injection"),
                arguments("template injection in one of several named templates", with(repo, "repo/tokenizer_config.json",
                        "{\"chat_template\": [{\"name\": \"default\", \"template\": \"{{ m }}\"}, {\"name\": \"tool_use\","
                                + " \"template\": \"{{ cycler.__init__.__globals__.os.popen('id').read() }}\"}]}"),
                        "hf.template_injection"),
                arguments("template injection in chat_template.jinja", with(repo, "repo/chat_template.jinja",
                        "{% for m in messages %}{{ lipsum.__globals__['os'].popen('id').read() }}{% endfor %}"),
                        "hf.template_injection"),
                arguments("config.json with a duplicate key", with(repo, "repo/config.json",
                        "{\"model_type\": \"llama\", \"model_type\": \"evil\"}"), "folder.malformed_json"),
                arguments("config.json with NaN", with(repo, "repo/config.json", "{\"eps\": NaN}"), "folder.malformed_json"),
                arguments("a pickle checkpoint beside the safetensors", with(repo, "repo/pytorch_model.bin",
                        Samples.pickleProto2()), "folder.member_denied"),
                arguments("a Keras archive with a Lambda layer", with(repo, "repo/model.keras", Folders.keras(
                        "{\"module\": \"keras.layers\", \"class_name\": \"Lambda\", \"config\": {\"function\": {\"class_name\":"
                                + " \"__lambda__\", \"config\": {\"code\": \"4wEAAAAAAAAA\"}}}}")), "keras.lambda_layer"),
                arguments("a Keras archive naming a module outside Keras", with(repo, "repo/model.keras", Folders.keras(
                        "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"activation\": {\"module\":"
                                + " \"os\", \"class_name\": \"function\", \"config\": \"system\"}}}")), "keras.foreign_module"),
                arguments("a Keras archive with a registered custom object", with(repo, "repo/model.keras", Folders.keras(
                        "{\"module\": null, \"class_name\": \"Evil\", \"registered_name\": \"evilpkg>Evil\"}")),
                        "keras.custom_object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void whatLoadingWouldRunIsFound(String name, Map<String, byte[]> files, String rule) throws IOException {
        for (Container c : new Container[]{Container.ZIP, Container.TGZ}) {
            ScanReport r = scan(Folders.pack(files, c), ScanOptions.defaults(Kind.MODEL));
            assertThat(r.verdict()).as(name + " in " + c + ": " + rules(r)).isEqualTo(ScanVerdict.REJECT);
            assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).as(name + " in " + c)
                    .filteredOn(f -> f.rule().equals(rule)).isNotEmpty().allMatch(f -> f.severity().blocksByDefault());
        }
    }

    @Test
    void anHonestKerasArchiveInsideARepositoryPasses() throws IOException {
        ScanReport r = scan(Folders.pack(with(Folders.hfRepository(), "repo/model.keras", Folders.keras(Folders.HONEST_KERAS)),
                Container.ZIP), ScanOptions.defaults(Kind.MODEL));
        assertThat(r.verdict()).as(rules(r)).isEqualTo(ScanVerdict.PASS);
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().details()).containsEntry("folder.kerasArchives", "1");
    }

    @Test
    void aKerasFileOnItsOwnHasItsConfigScannedWhereThePolicyAllowsKeras() throws IOException {
        ScanOptions d = ScanOptions.defaults(Kind.MODEL);
        EnumSet<Format> allowed = EnumSet.copyOf(d.allowedFormats());
        allowed.add(Format.KERAS);
        ScanOptions keras = new ScanOptions("", allowed, d.deniedFormats(), Kind.MODEL, d.maxBytes());
        assertThat(scan(Folders.keras(Folders.HONEST_KERAS), keras).verdict()).isEqualTo(ScanVerdict.PASS);
        ScanReport evil = scan(Folders.keras("{\"class_name\": \"Lambda\", \"config\": {}}"), keras);
        assertThat(evil.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(evil.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).extracting(Finding::rule)
                .containsExactly("keras.lambda_layer");
    }

    @Test
    void everyKerasH5MemberIsSearchedWhateverItsSize() throws IOException {
        byte[] lambda = Samples.concat(Samples.hdf5(0), Samples.ascii("{\"class_name\": \"Functional\", \"config\":"
                + " {\"layers\": [{\"class_name\": \"Lambda\", \"config\": {}}]}}"), new byte[4096]);
        // a small weights file without a config: searched by the static scan, nothing to say
        ScanReport honest = scan(Folders.pack(with(Folders.hfRepository(), "repo/tf_model.h5", Samples.hdf5(0)),
                Container.TAR), ScanOptions.defaults(Kind.MODEL));
        assertThat(honest.verdict()).isEqualTo(ScanVerdict.PASS);
        // a member over the in-memory bound (1 KiB here) is spooled by the folder stage and searched the same way
        io.airlock.scanner.engine.analysis.StaticScanPolicy d = io.airlock.scanner.engine.analysis.StaticScanPolicy.defaults();
        ScanEngine small = new ScanEngine(SniffLimits.defaults(), new io.airlock.scanner.engine.analysis.StaticScanPolicy(
                d.unknownImport(), d.pickle(), d.zip(), d.maxDepth(), 1024, d.maxFindingsPerRule()));
        Path f = Files.write(dir.resolve("big.tar"), Folders.pack(with(Folders.hfRepository(), "repo/tf_model.h5", lambda),
                Container.TAR));
        ScanReport r = small.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        StageResult folder = r.stage(ScanEngine.FOLDER_SCAN).orElseThrow();
        assertThat(folder.findings()).extracting(Finding::rule).containsExactly("keras.lambda_layer");
        assertThat(folder.details()).containsEntry("folder.hdf5Searched", "1");
    }
}
