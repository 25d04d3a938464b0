package io.airlock.scanner.engine;

import io.airlock.scanner.engine.format.ByteSource;
import io.airlock.scanner.engine.format.MalformedException;
import io.airlock.scanner.engine.format.OnnxExternalData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class OnnxExternalDataTest {

    static ProtoWriter externalTensor(String name, String location) {
        return new ProtoWriter().varint(1, 4).varint(2, 1).string(8, name)
                .message(13, new ProtoWriter().string(1, "location").string(2, location))
                .message(13, new ProtoWriter().string(1, "length").string(2, "16"))
                .varint(14, 1);
    }

    static byte[] model(ProtoWriter graph) {
        return new ProtoWriter().varint(1, 8).message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).bytes();
    }

    static ProtoWriter attribute(int field, ProtoWriter value) {
        return new ProtoWriter().string(1, "v").message(field, value);
    }

    static Stream<Arguments> models() {
        ProtoWriter ext = externalTensor("w", "weights.bin");
        ProtoWriter inner = new ProtoWriter().message(5, externalTensor("deep", "../../etc/passwd"));
        return Stream.of(
                arguments("plain model", Samples.onnx(), List.of()),
                arguments("initializer", model(new ProtoWriter().message(5, ext)), List.of("w@weights.bin")),
                arguments("only data_location set", model(new ProtoWriter().message(5,
                        new ProtoWriter().string(8, "x").varint(14, 1))), List.of("x@")),
                arguments("sparse initializer", model(new ProtoWriter().message(15,
                        new ProtoWriter().message(1, ext))), List.of("w@weights.bin")),
                arguments("Constant node attribute", model(new ProtoWriter().message(1,
                        new ProtoWriter().string(4, "Constant").message(5, attribute(5, ext)))), List.of("w@weights.bin")),
                arguments("subgraph of an If node", model(new ProtoWriter().message(1,
                        new ProtoWriter().string(4, "If").message(5, attribute(6, inner)))), List.of("deep@../../etc/passwd")),
                arguments("function body", new ProtoWriter().varint(1, 8).message(7, new ProtoWriter().string(2, "g"))
                        .message(25, new ProtoWriter().message(7, new ProtoWriter().string(4, "Constant")
                                .message(5, attribute(10, ext)))).bytes(), List.of("w@weights.bin")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void findsExternalDataWhereverATensorCanBe(String name, byte[] model, List<String> expected)
            throws IOException, MalformedException {
        List<OnnxExternalData.Ref> refs = OnnxExternalData.find(ByteSource.of(model), 10_000);
        assertThat(refs).extracting(r -> r.tensor() + "@" + r.location()).containsExactlyElementsOf(expected);
    }

    @Test
    void aNestedLengthPastItsMessageIsMalformed() {
        // a graph of 4 bytes whose node claims 100
        byte[] bad = new ProtoWriter().varint(1, 8).bytes(7, new byte[]{0x0a, 100, 0, 0}).bytes();
        assertThatThrownBy(() -> OnnxExternalData.find(ByteSource.of(bad), 1000))
                .isInstanceOf(MalformedException.class).hasMessageContaining("declares 100 bytes");
    }

    @Test
    void nestingAndFieldCountAreBounded() {
        ProtoWriter g = new ProtoWriter().string(2, "leaf");
        for (int i = 0; i < 40; i++) {
            g = new ProtoWriter().message(1, new ProtoWriter().string(4, "If").message(5, attribute(6, g)));
        }
        byte[] deep = model(g);
        assertThatThrownBy(() -> OnnxExternalData.find(ByteSource.of(deep), 1_000_000))
                .isInstanceOf(MalformedException.class).hasMessageContaining("nested deeper");
        assertThatThrownBy(() -> OnnxExternalData.find(ByteSource.of(Samples.onnx()), 3))
                .isInstanceOf(MalformedException.class).hasMessageContaining("more than 3");
    }
}
