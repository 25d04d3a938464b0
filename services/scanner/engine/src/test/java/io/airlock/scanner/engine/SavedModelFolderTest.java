package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.fixtures.ProtoWriter;
import io.airlock.fixtures.SavedModelBuilder;
import io.airlock.formats.Format;
import io.airlock.scanner.engine.Folders.Container;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.airlock.fixtures.SavedModelBuilder.node;
import static io.airlock.fixtures.SavedModelBuilder.stringConst;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** TensorFlow SavedModel folders: the graph and its functions walked for what touches files, processes or Python. */
class SavedModelFolderTest {
    @TempDir
    Path dir;

    ScanReport scan(byte[] bytes) throws IOException {
        return new ScanEngine().scan(Files.write(dir.resolve("model.bin"), bytes), ScanOptions.defaults(Kind.MODEL),
                StageListener.NONE);
    }

    @ParameterizedTest
    @EnumSource(Container.class)
    void honestSavedModelFoldersPass(Container c) throws IOException {
        for (byte[] pb : List.of(SavedModelBuilder.tf2(), SavedModelBuilder.tf1())) {
            ScanReport r = scan(Folders.pack(SavedModelBuilder.folder("my_model/", pb), c));
            assertThat(r.format()).isEqualTo(Format.MODEL_FOLDER);
            assertThat(r.verdict()).as(HfRepositoryScanTest.rules(r)).isEqualTo(ScanVerdict.PASS);
            StageResult folder = r.stage(ScanEngine.FOLDER_SCAN).orElseThrow();
            assertThat(folder.findings()).isEmpty();
            assertThat(folder.details()).containsEntry("folder.kinds", "tf_saved_model").containsEntry("folder.savedModels", "1")
                    .containsKey("folder.savedModelCheckpointOps");
        }
    }

    /** A TF2 SavedModel with {@code change} applied to its graph nodes and functions. */
    static byte[] tf2(Consumer<List<ProtoWriter>> nodes, Consumer<List<ProtoWriter>> functions) {
        List<ProtoWriter> n = SavedModelBuilder.tf2Nodes();
        List<ProtoWriter> f = SavedModelBuilder.tf2Functions();
        nodes.accept(n);
        functions.accept(f);
        return SavedModelBuilder.savedModel(n, f);
    }

    static Consumer<List<ProtoWriter>> add(ProtoWriter... nodes) {
        return l -> l.addAll(List.of(nodes));
    }

    static Consumer<List<ProtoWriter>> none() {
        return l -> {
        };
    }

    static Stream<Arguments> hostile() {
        byte[] ok = SavedModelBuilder.tf2();
        return Stream.of(
                arguments("a PyFunc in the serving function", tf2(none(), add(SavedModelBuilder.function(
                        "__inference_serving_default_99", List.of("x"), List.of(node("PyFunc", "PyFunc", "x")
                                .message(5, new ProtoWriter().string(1, "token").message(2, new ProtoWriter().string(2,
                                        "pyfunc_0"))))))), "savedmodel.python_op"),
                arguments("an EagerPyFunc in the graph", tf2(add(node("e", "EagerPyFunc", "serving_default_x")), none()),
                        "savedmodel.python_op"),
                arguments("ReadFile of a constant path", tf2(add(stringConst("p", "/etc/shadow"), node("r", "ReadFile", "p")),
                        none()), "savedmodel.file_op"),
                arguments("WriteFile in a function", tf2(none(), add(SavedModelBuilder.function("__inference_write_5",
                        List.of("x"), List.of(stringConst("p", "/root/.bashrc"), node("w", "WriteFile", "p:output:0",
                                "x"))))), "savedmodel.file_op"),
                arguments("MatchingFiles fed by an input", tf2(add(node("m", "MatchingFiles", "serving_default_x")), none()),
                        "savedmodel.file_op"),
                arguments("SaveV2 on a constant path in the graph", tf2(add(stringConst("evil/prefix", "/tmp/x"),
                        node("evil/SaveV2", "SaveV2", "evil/prefix", "n", "s", "dense/kernel")), none()),
                        "savedmodel.constant_path"),
                arguments("RestoreV2 on a constant path inside a function", tf2(none(), add(SavedModelBuilder.function(
                        "__inference_restore_9", List.of(), List.of(stringConst("c", "/home/user/.aws/credentials"),
                                node("RestoreV2", "RestoreV2", "c:output:0", "n", "s"))))), "savedmodel.constant_path"),
                arguments("MergeV2Checkpoints into a constant destination", tf2(add(stringConst("dst", "/var/www/x"),
                        node("merge", "MergeV2Checkpoints", "saver_filename", "dst")), none()), "savedmodel.constant_path"),
                arguments("a saved_model.pb cut short", Arrays.copyOf(ok, ok.length - 9), "savedmodel.malformed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileSavedModelsAreRejectedByTheirRule(String name, byte[] pb, String rule) throws IOException {
        ScanReport r = scan(Folders.pack(SavedModelBuilder.folder("", pb), Container.ZIP));
        assertThat(r.verdict()).as(HfRepositoryScanTest.rules(r)).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).extracting(Finding::rule).containsExactly(rule);
    }
}
