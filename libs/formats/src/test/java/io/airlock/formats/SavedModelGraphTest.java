package io.airlock.formats;

import io.airlock.fixtures.ProtoWriter;
import io.airlock.fixtures.SavedModelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static io.airlock.fixtures.SavedModelBuilder.node;
import static io.airlock.fixtures.SavedModelBuilder.stringConst;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SavedModelGraphTest {
    static SavedModelGraph.Graph walk(byte[] b) throws IOException, MalformedException {
        return SavedModelGraph.walk(ByteSource.of(b), 1_000_000);
    }

    @Test
    void theStandardSaversOpsAreFoundWithTheirFedPaths() throws Exception {
        SavedModelGraph.Graph tf2 = walk(SavedModelBuilder.tf2());
        assertThat(tf2.metaGraphs()).isEqualTo(1);
        assertThat(tf2.functions()).isEqualTo(3);
        assertThat(tf2.ops()).extracting(SavedModelGraph.Op::op).containsExactly("SaveV2", "MergeV2Checkpoints", "RestoreV2");
        assertThat(tf2.ops()).allSatisfy(o -> assertThat(o.constant()).isNull());
        assertThat(tf2.ops().get(2).scope()).isEqualTo("function '__inference__traced_restore_57'");
        assertThat(tf2.ops().get(2).pathInput()).isEqualTo("file_prefix");
        // TF1: the path goes through PlaceholderWithDefault, which the loader feeds
        assertThat(walk(SavedModelBuilder.tf1()).ops()).extracting(SavedModelGraph.Op::constant).containsExactly(null, null);
    }

    @Test
    void aConstantPathIsResolvedWithinItsScopeOnly() throws Exception {
        List<ProtoWriter> nodes = SavedModelBuilder.tf2Nodes();
        // a graph constant named like the function's argument: inputs resolve within their own scope
        nodes.add(stringConst("file_prefix", "/etc/cron.d/x"));
        nodes.add(stringConst("evil/path", "/home/user/.ssh/authorized_keys"));
        nodes.add(node("evil/WriteFile", "WriteFile", "evil/path:0", "payload"));
        nodes.add(node("evil/Restore", "RestoreV2", "evil/path", "names", "slices"));
        SavedModelGraph.Graph g = walk(SavedModelBuilder.savedModel(nodes, SavedModelBuilder.tf2Functions()));
        assertThat(g.ops()).filteredOn(o -> o.scope().equals("graph")).extracting(SavedModelGraph.Op::op,
                SavedModelGraph.Op::constant).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("WriteFile", "/home/user/.ssh/authorized_keys"),
                        org.assertj.core.groups.Tuple.tuple("RestoreV2", "/home/user/.ssh/authorized_keys"));
        assertThat(g.ops()).filteredOn(o -> o.scope().startsWith("function")).allSatisfy(o -> assertThat(o.constant()).isNull());
    }

    @Test
    void mergeV2CheckpointsIsJudgedByItsDestination() throws Exception {
        SavedModelGraph.Graph g = walk(SavedModelBuilder.savedModel(List.of(stringConst("dst", "/tmp/owned"),
                node("prefixes", "Pack", "x"), node("merge", "MergeV2Checkpoints", "prefixes", "dst:0")), List.of()));
        assertThat(g.ops()).singleElement().satisfies(o -> {
            assertThat(o.constant()).isEqualTo("/tmp/owned");
            assertThat(o.pathInput()).isEqualTo("dst:0");
        });
    }

    @Test
    void aPathBuiltFromConstantsIsAConstantButTheSaversFedPathIsNot() throws Exception {
        SavedModelGraph.Graph g = walk(SavedModelBuilder.savedModel(List.of(
                stringConst("a", "/home/user/"), stringConst("b", ".ssh/authorized_keys"),
                node("joined", "StringJoin", "a", "b:0"), node("id", "Identity", "joined"),
                node("save", "SaveV2", "id:0", "n", "s", "t"),
                stringConst("d", "/tmp/default"), node("defaulted", "PlaceholderWithDefault", "d"),
                node("restore", "RestoreV2", "defaulted", "n", "s"),
                node("fed", "PlaceholderWithDefault", "d"), node("restore_fed", "RestoreV2", "fed:0", "n", "s"),
                node("loop", "Identity", "loop:0"), node("restore_loop", "RestoreV2", "loop", "n", "s")), List.of(), "fed:0"));
        assertThat(g.ops()).extracting(SavedModelGraph.Op::node, SavedModelGraph.Op::constant).containsExactly(
                org.assertj.core.groups.Tuple.tuple("save", "/home/user/.ssh/authorized_keys"),
                org.assertj.core.groups.Tuple.tuple("restore", "/tmp/default"),
                org.assertj.core.groups.Tuple.tuple("restore_fed", null),
                org.assertj.core.groups.Tuple.tuple("restore_loop", null));
    }

    static Stream<Arguments> malformed() {
        byte[] ok = SavedModelBuilder.tf2();
        return Stream.of(
                arguments("cut short", Arrays.copyOf(ok, ok.length - 7), "remain in its message"),
                arguments("a length past its message", new ProtoWriter().varint(1, 1).lying(2, 1000).bytes(), "declares 1000"),
                arguments("a group wire type", new byte[]{0x0b, 0x0c}, "wire type 3"),
                arguments("no meta graph", new ProtoWriter().varint(1, 1).bytes(), "no meta graph"),
                arguments("an operation name over the bound", SavedModelBuilder.savedModel(List.of(node("n", "x".repeat(5000))),
                        List.of()), "operation name"),
                arguments("a ten-byte varint run", new byte[]{(byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                        (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}, "varint"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedGraphsAreRefusedWithTheReason(String name, byte[] bytes, String why) {
        assertThatThrownBy(() -> walk(bytes)).isInstanceOf(MalformedException.class).hasMessageContaining(why);
    }

    @Test
    void theFieldBoundHolds() {
        assertThatThrownBy(() -> SavedModelGraph.walk(ByteSource.of(SavedModelBuilder.tf2()), 50))
                .isInstanceOf(MalformedException.class).hasMessageContaining("more than 50 protobuf fields");
    }
}
