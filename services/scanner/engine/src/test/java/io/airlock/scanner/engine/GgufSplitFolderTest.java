package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.scanner.engine.Folders.Container;
import io.airlock.formats.ByteSource;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.GgufValidator;
import io.airlock.fixtures.GgufSplitFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.airlock.scanner.engine.Folders.with;
import static io.airlock.fixtures.GgufSplitFixtures.name;
import static io.airlock.fixtures.GgufSplitFixtures.part;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A model split by gguf-split, sent as a folder: the split.* keys inside each part must agree
 * with its file name (part i of N is split.no i-1 of split.count N), and the parts together must
 * hold the split.tensors.count tensors that llama.cpp expects.
 */
class GgufSplitFolderTest {
    @TempDir
    Path dir;

    ScanReport scan(Map<String, byte[]> files, Container c) throws IOException {
        Path f = Files.write(dir.resolve("folder.bin"), Folders.pack(files, c));
        return new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
    }

    static List<Finding> folderFindings(ScanReport r) {
        return r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings();
    }

    @Test
    void theValidatorReturnsTheSplitKeysAsWritten() throws IOException, FormatViolation {
        GgufValidator.Layout l = GgufValidator.validate(ByteSource.of(part(1, 3, 5, "a", "b")));
        assertThat(l.split()).containsEntry("split.no", new GgufValidator.SplitKey("UINT16", 1, true))
                .containsEntry("split.count", new GgufValidator.SplitKey("UINT16", 3, true))
                .containsEntry("split.tensors.count", new GgufValidator.SplitKey("INT32", 5, true));
        assertThat(GgufValidator.validate(ByteSource.of(GgufSplitFixtures.partWithoutKeys(0, "a"))).split()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Container.class)
    void anHonestSplitWithItsKeysPasses(Container c) throws IOException {
        ScanReport r = scan(GgufSplitFixtures.folder(), c);
        assertThat(r.verdict()).as(folderFindings(r).toString()).isEqualTo(ScanVerdict.PASS);
        assertThat(folderFindings(r)).isEmpty();
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().details()).containsEntry("folder.kinds", "split_gguf")
                .containsEntry("folder.ggufValidated", "3");
    }

    @Test
    void partsWithoutSplitKeysAreJudgedByTheirNames() throws IOException {
        Map<String, byte[]> f = Map.of(name(1), GgufSplitFixtures.partWithoutKeys(0, "a"),
                name(2), GgufSplitFixtures.partWithoutKeys(1, "b"), name(3), GgufSplitFixtures.partWithoutKeys(2, "c"));
        ScanReport r = scan(f, Container.TAR);
        assertThat(r.verdict()).as(folderFindings(r).toString()).isEqualTo(ScanVerdict.PASS);
    }

    static Stream<Arguments> inconsistent() {
        Map<String, byte[]> f = GgufSplitFixtures.folder();
        String[] two = {"blk.0.attn_k.weight", "blk.0.attn_v.weight"};
        return Stream.of(
                arguments("second part says it is the third", with(f, name(2), part(2, 3, 5, two)),
                        "gguf_split.inconsistent", "key 'split.no'"),
                arguments("first part is not split.no 0", with(f, name(1), part(1, 3, 5, "token_embd.weight",
                        "blk.0.attn_q.weight")), "gguf_split.inconsistent", "key 'split.no'"),
                arguments("a part says there are two parts", with(f, name(3), part(2, 2, 5, "output.weight")),
                        "gguf_split.inconsistent", "key 'split.count'"),
                arguments("split.no of the wrong type", with(f, name(2), GgufSplitFixtures.partWithWideNo(1, 3, 5, two)),
                        "gguf_split.inconsistent", "key 'split.no'"),
                arguments("a part without the keys the others have", with(f, name(3),
                        GgufSplitFixtures.partWithoutKeys(2, "output.weight")), "gguf_split.inconsistent",
                        "'llama/llama-7b-00003-of-00003.gguf'"),
                arguments("a tensor beyond the count", with(f, name(3), part(2, 3, 5, "output.weight", "hidden.weight")),
                        "gguf_split.tensor_count", "key 'split.tensors.count'"),
                arguments("a count the parts do not fill", with(with(with(f, name(1), part(0, 3, 6, "token_embd.weight",
                        "blk.0.attn_q.weight")), name(2), part(1, 3, 6, two)), name(3), part(2, 3, 6, "output.weight")),
                        "gguf_split.tensor_count", "key 'split.tensors.count'"),
                arguments("parts that disagree on the count", with(f, name(2), part(1, 3, 4, two)),
                        "gguf_split.tensor_count", "key 'split.tensors.count'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inconsistent")
    void splitKeysThatDisagreeWithTheNamesReject(String name, Map<String, byte[]> files, String rule, String key)
            throws IOException {
        for (Container c : List.of(Container.ZIP, Container.TGZ)) {
            ScanReport r = scan(files, c);
            assertThat(r.verdict()).as(name + " in " + c + ": " + folderFindings(r)).isEqualTo(ScanVerdict.REJECT);
            assertThat(folderFindings(r)).as(name + " in " + c).filteredOn(f -> f.rule().equals(rule))
                    .isNotEmpty().allMatch(f -> f.location().endsWith(key));
        }
    }

    @Test
    void aPartOfASplitModelScannedAloneSaysItsSiblingsWereNotScanned() throws IOException {
        Path part = Files.write(dir.resolve("llama-00001-of-00003.gguf"), GgufSplitFixtures.part(0, 3, 3, "a"));
        ScanReport r = new ScanEngine().scan(part, Kind.MODEL);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        assertThat(r.stage(ScanEngine.FORMAT_GATE).orElseThrow().findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("gguf.split_part_alone");
            assertThat(f.severity()).isEqualTo(io.airlock.contracts.Severity.MEDIUM);
            assertThat(f.message()).contains("part 1 of a model split in 3 parts");
        });
        // a whole model in one file says nothing
        Path whole = Files.write(dir.resolve("llama.gguf"), GgufSplitFixtures.part(0, 1, 1, "a"));
        assertThat(new ScanEngine().scan(whole, Kind.MODEL).stage(ScanEngine.FORMAT_GATE).orElseThrow().findings()).isEmpty();
    }
}
