package io.airlock.scanner.engine;

import io.airlock.fixtures.ZipBuilder;
import io.airlock.fixtures.TarBuilder;
import io.airlock.fixtures.Samples;

import io.airlock.formats.Format;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.scanner.engine.Folders.Container;
import io.airlock.fixtures.GgufFixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.airlock.scanner.engine.Folders.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Model folders (diffusers, sharded safetensors, split GGUF, ONNX with external data) through the
 * whole engine: honest ones pass in every container, each hostile one is rejected by its rule.
 */
class FolderScanTest {
    @TempDir
    Path dir;

    ScanReport scan(byte[] archive) throws IOException {
        Path f = Files.write(dir.resolve("folder.bin"), archive);
        return new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
    }

    static List<Finding> findings(ScanReport r) {
        return r.stages().stream().flatMap(s -> s.findings().stream()).toList();
    }

    static Stream<Arguments> honest() {
        return Stream.of(Container.values()).flatMap(c -> Stream.of(
                arguments("diffusers", c, Folders.diffusers(), "diffusers, hf_repository"),
                arguments("sharded safetensors", c, Folders.sharded(), "hf_repository, sharded_safetensors"),
                arguments("split GGUF", c, Folders.splitGguf(), "split_gguf"),
                arguments("ONNX with external data", c, Folders.onnxExternal("weights.bin"), "hf_repository"),
                arguments("ONNX with external data at an offset", c, onnx("weights.bin", "offset", "4", "length", "12"),
                        "hf_repository")));
    }

    /** The ONNX folder with model.onnx's one tensor at {@code location}, with these extra external_data entries. */
    static Map<String, byte[]> onnx(String location, String... keyValues) {
        return with(Folders.onnxExternal("weights.bin"), "onnx/model.onnx", OnnxGateTest.external(location, keyValues));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("honest")
    void honestFoldersPassInEveryContainer(String name, Container c, Map<String, byte[]> files, String kinds) throws IOException {
        ScanReport r = scan(Folders.pack(files, c));
        assertThat(r.verdict()).as(findings(r).toString()).isEqualTo(ScanVerdict.PASS);
        assertThat(r.format()).isEqualTo(Format.MODEL_FOLDER);
        StageResult folder = r.stage(ScanEngine.FOLDER_SCAN).orElseThrow();
        assertThat(folder.status()).isEqualTo(StageStatus.PASS);
        assertThat(folder.details()).containsEntry("folder.kinds", kinds)
                .containsEntry("folder.files", Integer.toString(files.size()));
        assertThat(findings(r)).noneMatch(f -> f.severity().blocksByDefault());
    }

    static Stream<Arguments> hostile() {
        Map<String, byte[]> sd = Folders.diffusers();
        Map<String, byte[]> sh = Folders.sharded();
        Map<String, byte[]> gg = Folders.splitGguf();
        String index = "model.safetensors.index.json";
        String shard1 = "model-00001-of-00002.safetensors";
        return Stream.of(
                // diffusers
                arguments("component from an arbitrary library", with(sd, "sd/model_index.json",
                        "{\"_class_name\": \"StableDiffusionPipeline\", \"unet\": [\"my_evil_lib\", \"UNet\"]}"),
                        "diffusers.custom_component"),
                arguments("custom pipeline class", with(sd, "sd/model_index.json",
                        "{\"_class_name\": [\"pipeline\", \"MyPipeline\"], \"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}"),
                        "diffusers.custom_pipeline"),
                arguments("component entry that is not a pair", with(sd, "sd/model_index.json",
                        "{\"_class_name\": \"P\", \"unet\": \"diffusers.UNet2DConditionModel\"}"), "diffusers.bad_component"),
                arguments("class name that is a dotted path", with(sd, "sd/model_index.json",
                        "{\"_class_name\": \"P\", \"unet\": [\"diffusers\", \"os.system\"]}"), "diffusers.bad_component"),
                arguments("component folder absent", Folders.without(sd, "sd/vae/"), "diffusers.missing_component"),
                arguments("pickle weights under a component", with(sd, "sd/unet/diffusion_pytorch_model.bin",
                        Samples.pickleProto2()), "folder.member_denied"),
                arguments("PyTorch zip weights under a component", with(sd, "sd/vae/diffusion_pytorch_model.bin",
                        ZipBuilder.honestTorch()), "folder.member_denied"),
                arguments("model_index.json with a duplicate key", with(sd, "sd/model_index.json",
                        "{\"_class_name\": \"P\", \"unet\": [\"diffusers\", \"U\"], \"unet\": [\"evil\", \"U\"]}"),
                        "folder.malformed_json"),
                arguments("component config that is not JSON", with(sd, "sd/unet/config.json", "{'in_channels': 4}"),
                        "folder.malformed_json"),
                arguments("component weights that break safetensors", with(sd, "sd/unet/diffusion_pytorch_model.safetensors",
                        Arrays.copyOf(Folders.safetensors("a", "b"), Folders.safetensors("a", "b").length - 1)),
                        "safetensors.out_of_file"),
                // sharded safetensors
                arguments("shard missing", with(sh, shard1, (byte[]) null), "shard.missing"),
                arguments("shard outside the folder", with(sh, index, "{\"weight_map\": {\"lm_head.weight\":"
                        + " \"../other/model-00002-of-00002.safetensors\"}}"), "shard.outside_folder"),
                arguments("shard by absolute path", with(sh, index, "{\"weight_map\": {\"lm_head.weight\": \"/etc/passwd\"}}"),
                        "shard.outside_folder"),
                arguments("tensor not in its shard", with(sh, shard1, Folders.safetensors("model.embed_tokens.weight")),
                        "shard.missing_tensor"),
                arguments("tensor in two shards", with(sh, shard1, Folders.safetensors("model.embed_tokens.weight",
                        "model.layers.0.mlp.weight", "lm_head.weight")), "shard.duplicate_tensor"),
                arguments("shard that is a pickle", with(sh, shard1, Samples.pickleProto2()), "shard.not_safetensors"),
                arguments("index without a weight map", with(sh, index, "{\"metadata\": {}}"), "shard.bad_index"),
                // split GGUF
                arguments("split GGUF part missing", with(gg, "llama/llama-7b-00002-of-00003.gguf", (byte[]) null),
                        "gguf_split.missing_part"),
                arguments("split GGUF parts disagree on the count", with(gg, "llama/llama-7b-00002-of-00004.gguf",
                        GgufFixtures.gguf()), "gguf_split.inconsistent"),
                arguments("split GGUF part that is not GGUF", with(gg, "llama/llama-7b-00003-of-00003.gguf",
                        Folders.safetensors("x")), "gguf_split.not_gguf"),
                arguments("split GGUF part that is truncated", with(gg, "llama/llama-7b-00003-of-00003.gguf",
                        Arrays.copyOf(GgufFixtures.gguf(), GgufFixtures.gguf().length - 64)), "gguf.out_of_file"),
                // ONNX external data
                arguments("external data outside the model folder", Folders.onnxExternal("../../etc/passwd"),
                        "onnx.external_data_outside"),
                arguments("external data by absolute path", Folders.onnxExternal("/etc/shadow"), "onnx.external_data_outside"),
                arguments("external data file absent", Folders.onnxExternal("missing.bin"), "onnx.external_data_missing"),
                arguments("external data climbing back into the folder", Folders.onnxExternal("sub/../weights.bin"),
                        "onnx.external_data_outside"),
                arguments("external data at ONNX Runtime's memory tag, a member of that name beside it", with(onnx(
                        "*/_ORT_MEM_ADDR_/*", "offset", "4096", "length", "16"), "onnx/*/_ORT_MEM_ADDR_/*", new byte[16]),
                        "onnx.external_data_outside"),
                arguments("external data running past its file", onnx("weights.bin", "offset", "8", "length", "16"),
                        "onnx.external_data_range"),
                arguments("external data starting past its file", onnx("weights.bin", "offset", "17"),
                        "onnx.external_data_range"),
                arguments("external data offset + length overflowing", onnx("weights.bin", "offset",
                        Long.toString(Long.MAX_VALUE), "length", "16"), "onnx.external_data_range"),
                arguments("external data offset that is not a plain decimal", onnx("weights.bin", "offset", "+0"),
                        "onnx.external_data_range"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void eachHostileFolderIsRejectedByItsRule(String name, Map<String, byte[]> files, String rule) throws IOException {
        for (Container c : List.of(Container.ZIP, Container.TGZ)) {
            ScanReport r = scan(Folders.pack(files, c));
            assertThat(r.verdict()).as(name + " in " + c + ": " + findings(r)).isEqualTo(ScanVerdict.REJECT);
            StageResult folder = r.stage(ScanEngine.FOLDER_SCAN).orElseThrow();
            assertThat(folder.status()).as(name + " in " + c + ": " + findings(r)).isEqualTo(StageStatus.FAIL);
            assertThat(folder.findings()).as(name + " in " + c).extracting(Finding::rule).contains(rule);
        }
    }

    static Stream<Arguments> reportedNotBlocking() {
        return Stream.of(
                arguments("stray file beside a diffusers pipeline", with(Folders.diffusers(), "sd/run_me.sh", "echo hi\n"),
                        "diffusers.unexpected_file"),
                arguments("shard the index never names", with(Folders.sharded(), "model-00003-of-00002.safetensors",
                        Folders.safetensors("extra")), "shard.unreferenced"),
                arguments("tensor in a shard that the map does not list", with(Folders.sharded(),
                        "model-00002-of-00002.safetensors", Folders.safetensors("lm_head.weight", "hidden")), "shard.unmapped_tensor"),
                arguments("ONNX operator from a custom domain", with(Folders.onnxExternal("weights.bin"), "onnx/model.onnx",
                        OnnxExternalDataTest.modelOf(OnnxExternalDataTest.node("com.evil", "Exec"))), "onnx.custom_domain"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reportedNotBlocking")
    void lesserFindingsAreReportedAndPass(String name, Map<String, byte[]> files, String rule) throws IOException {
        ScanReport r = scan(Folders.pack(files, Container.TAR));
        assertThat(r.verdict()).as(findings(r).toString()).isEqualTo(ScanVerdict.PASS);
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings())
                .filteredOn(f -> f.rule().equals(rule)).isNotEmpty().allMatch(f -> f.severity() == Severity.MEDIUM);
    }

    @ParameterizedTest(name = "link type {0}")
    @ValueSource(chars = {'1', '2'})
    void externalDataThatIsALinkIsMissing(char type) throws IOException {
        // a hard link ('1') to another member, a symlink ('2') out of the folder: neither is a regular file
        TarBuilder t = TarBuilder.tar();
        Folders.onnxExternal("weights.bin").forEach((n, b) -> {
            if (n.equals("onnx/weights.bin")) {
                t.entry(n, type, new byte[0], type == '1' ? "onnx/config.json" : "/home/user/.ssh/id_rsa", false);
            } else {
                t.file(n, b);
            }
        });
        ScanReport r = scan(t.bytes());
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage(ScanEngine.STATIC_SCAN).orElseThrow().findings()).extracting(Finding::rule)
                .contains(type == '1' ? "tar.hardlink" : "tar.symlink");
        // and on its own, with the archive rules off, the folder rule refuses it too
        ScanOptions d = ScanOptions.defaults(Kind.MODEL);
        ScanOptions blind = new ScanOptions(d.expectedSha256(), d.allowedFormats(), d.deniedFormats(), d.kind(),
                d.maxBytes(), d.failOn(), Set.of(ScanEngine.STATIC_SCAN), "blind", d.weights());
        ScanReport alone = new ScanEngine().scan(Files.write(dir.resolve("links.tar"), t.bytes()), blind, StageListener.NONE);
        assertThat(alone.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(alone.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).extracting(Finding::rule)
                .contains("onnx.external_data_missing");
    }

    @ParameterizedTest
    @EnumSource(value = Container.class, names = {"TAR", "TGZ"})
    void aShardThatIsASymlinkIsRefused(Container c) throws IOException {
        TarBuilder t = TarBuilder.tar();
        Folders.sharded().forEach((n, b) -> {
            if (n.equals("model-00002-of-00002.safetensors")) {
                t.entry(n, '2', new byte[0], "/data/other-model/model.safetensors", false);
            } else {
                t.file(n, b);
            }
        });
        ScanReport r = scan(c == Container.TAR ? t.bytes() : t.gzipped());
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage(ScanEngine.STATIC_SCAN).orElseThrow().findings()).extracting(Finding::rule).contains("tar.symlink");
    }
}
