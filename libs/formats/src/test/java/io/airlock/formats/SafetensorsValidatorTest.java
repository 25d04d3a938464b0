package io.airlock.formats;

import io.airlock.fixtures.SafetensorsBuilder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static io.airlock.fixtures.SafetensorsBuilder.file;
import static io.airlock.fixtures.SafetensorsBuilder.honest;
import static io.airlock.fixtures.SafetensorsBuilder.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SafetensorsValidatorTest {

    static Stream<Arguments> hostile() {
        String a = t("a", "F32", "[2]", 0, 8);
        return Stream.of(
                arguments("header length past the file", lengthPrefix(1000, "{}"), "safetensors.header_length"),
                arguments("header length over 100 MB", lengthPrefix(100_000_001L, "{}"), "safetensors.header_length"),
                arguments("header length with the top bit set", lengthPrefix(Long.MIN_VALUE, "{}"), "safetensors.header_length"),
                arguments("duplicate tensor key", file("{" + a + "," + t("a", "F32", "[2]", 8, 16) + "}", 16), "safetensors.duplicate_key"),
                arguments("duplicate key spelt with an escape", file("{" + a + "," + t("\\u0061", "F32", "[2]", 8, 16) + "}", 16),
                        "safetensors.duplicate_key"),
                arguments("duplicate field inside an entry", file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8),
                        "safetensors.duplicate_key"),
                arguments("duplicate metadata key", file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + a + "}", 8), "safetensors.duplicate_key"),
                arguments("metadata value not a string", file("{\"__metadata__\":{\"k\":1}," + a + "}", 8), "safetensors.metadata"),
                arguments("metadata not an object", file("{\"__metadata__\":[\"k\"]," + a + "}", 8), "safetensors.metadata"),
                arguments("unknown dtype", file("{" + t("a", "F128", "[2]", 0, 8) + "}", 8), "safetensors.unknown_dtype"),
                arguments("unknown field", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8), "safetensors.bad_entry"),
                arguments("missing data_offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "safetensors.bad_entry"),
                arguments("three offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8), "safetensors.bad_entry"),
                arguments("negative shape", file("{" + t("a", "F32", "[-2]", 0, 8) + "}", 8), "safetensors.bad_entry"),
                arguments("fractional offset", file("{" + t("a", "F32", "[2]", 0, 8).replace("8]", "8.0]") + "}", 8), "safetensors.bad_entry"),
                arguments("shape disagrees with the byte length", file("{" + t("a", "F32", "[3]", 0, 8) + "}", 8), "safetensors.size_mismatch"),
                arguments("shape overflows 64 bits", file("{" + t("a", "F32", "[4294967296,4294967296]", 0, 8) + "}", 8), "safetensors.overflow"),
                arguments("offset over 2^63", file("{" + t("a", "F32", "[2]", 0, 8).replace("[0,", "[99999999999999999999,") + "}", 8),
                        "safetensors.overflow"),
                arguments("end before begin", file("{" + t("a", "F32", "[0]", 8, 0) + "}", 8), "safetensors.offset_order"),
                arguments("hole between tensors", file("{" + a + "," + t("b", "F32", "[2]", 12, 20) + "}", 20), "safetensors.hole"),
                arguments("hole at the start", file("{" + t("a", "F32", "[2]", 4, 12) + "}", 12), "safetensors.hole"),
                arguments("overlapping tensors", file("{" + a + "," + t("b", "F32", "[2]", 4, 12) + "}", 12), "safetensors.overlap"),
                arguments("two tensors on the same bytes", file("{" + a + "," + t("b", "F32", "[2]", 0, 8) + "}", 8), "safetensors.overlap"),
                arguments("trailing bytes after the last tensor", file("{" + a + "}", 12), "safetensors.trailing_bytes"),
                arguments("a zip appended after the data", concat(file("{" + a + "}", 8), new byte[]{'P', 'K', 3, 4, 0, 0}),
                        "safetensors.trailing_bytes"),
                arguments("tensor past the end of the data", file("{" + t("a", "F32", "[4]", 0, 16) + "}", 8), "safetensors.out_of_file"),
                arguments("invalid UTF-8 in a name", file(concat("{\"a".getBytes(StandardCharsets.UTF_8), new byte[]{(byte) 0xc0, (byte) 0xaf},
                        ("\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}").getBytes(StandardCharsets.UTF_8)), 8),
                        "safetensors.malformed_json"),
                arguments("lone surrogate escape", file("{" + t("\\ud800", "F32", "[2]", 0, 8) + "}", 8), "safetensors.malformed_json"),
                arguments("header not an object", file("[1]", 0), "safetensors.malformed_json"),
                arguments("whitespace before the object", file(" {}", 0), "safetensors.malformed_json"),
                arguments("trailing garbage after the object", file("{" + a + "}x", 8), "safetensors.malformed_json"),
                arguments("trailing comma", file("{" + a + ",}", 8), "safetensors.malformed_json"),
                arguments("header cut inside a string", file("{\"abc", 0), "safetensors.malformed_json"),
                arguments("control byte in a key", file("{" + t("a\u0001", "F32", "[2]", 0, 8) + "}", 8), "safetensors.malformed_json"),
                arguments("leading zero", file("{" + t("a", "F32", "[02]", 0, 8) + "}", 8), "safetensors.malformed_json"),
                arguments("sub-byte dtype not whole bytes", file("{" + t("a", "F4", "[3]", 0, 2) + "}", 2), "safetensors.size_mismatch"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void rejectsWithTheRightRule(String name, byte[] bytes, String rule) {
        assertThatThrownBy(() -> SafetensorsValidator.validate(ByteSource.of(bytes)))
                .isInstanceOfSatisfying(FormatViolation.class, v -> assertThat(v.rule()).as(v.getMessage()).isEqualTo(rule));
    }

    static Stream<Arguments> honestFiles() {
        return Stream.of(
                arguments("two tensors, metadata, padding", honest(), 2),
                arguments("metadata only", file("{\"__metadata__\":{}}", 0), 0),
                arguments("empty header", file("{}", 0), 0),
                arguments("zero-sized tensors share an offset", file("{" + t("e", "F32", "[0]", 0, 0) + "," + t("f", "F16", "[0,3]", 0, 0)
                        + "," + t("g", "I8", "[1]", 0, 1) + "}", 1), 3),
                arguments("scalar and whitespace", file("{\n \"s\" : {\"shape\":[],\"dtype\":\"F64\",\"data_offsets\":[0,8]}\t}\r\n ", 8), 1),
                arguments("unicode names and escapes", file("{" + t("wé\\u00e9\\n\\\"", "U8", "[1]", 0, 1) + "}", 1), 1),
                arguments("sub-byte dtype", file("{" + t("a", "F4", "[4]", 0, 2) + "}", 2), 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honestFiles")
    void acceptsHonestFiles(String name, byte[] bytes, int tensors) throws Exception {
        SafetensorsValidator.Layout l = SafetensorsValidator.validate(ByteSource.of(bytes));
        assertThat(l.tensors()).hasSize(tensors);
    }

    @Test
    void dataOrderIsReportedAndNamesDecoded() throws Exception {
        byte[] b = file("{" + t("z", "F32", "[1]", 4, 8) + "," + t("\\u00e9", "F32", "[1]", 0, 4) + "}", 8);
        SafetensorsValidator.Layout l = SafetensorsValidator.validate(ByteSource.of(b));
        assertThat(l.tensors()).extracting(SafetensorsValidator.Tensor::name).containsExactly("é", "z");
        assertThat(l.dataStart()).isEqualTo(8 + l.headerLength());
    }

    @Test
    void tooManyTensorsIsRefusedBeforeTheyAreAllRead() {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i <= SafetensorsValidator.MAX_TENSORS; i++) {
            h.append(i == 0 ? "" : ",").append(t("t" + i, "U8", "[0]", 0, 0));
        }
        byte[] b = file(h.append('}').toString(), 0);
        assertThatThrownBy(() -> SafetensorsValidator.validate(ByteSource.of(b)))
                .isInstanceOfSatisfying(FormatViolation.class, v -> assertThat(v.rule()).isEqualTo("safetensors.too_many_tensors"));
    }

    static byte[] lengthPrefix(long n, String rest) {
        byte[] h = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(n).array();
        return concat(h, rest.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
