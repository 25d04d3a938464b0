package io.airlock.scanner.engine;

import io.airlock.formats.GgufValidator;
import io.airlock.fixtures.GgufBuilder;
import io.airlock.fixtures.GgufFixtures;
import io.airlock.fixtures.SafetensorsBuilder;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * GGUF and safetensors samples for {@code HostileCorpus}, built with this package's builders (which
 * stay package-private): each hostile one names the rule the format gate must raise.
 */
public final class FormatAttacks {
    private FormatAttacks() {
    }

    /** One sample: what it is, where the attack comes from, its bytes, the rule ("" for an honest file). */
    public record Attack(String name, String source, byte[] bytes, String rule) {
    }

    private static final String DATABRICKS = "Databricks 2024 GGUF advisories (ggml): ";
    private static final String LLAMA_DRAMA = "Checkmarx 2024 'Llama Drama' CVE-2024-34359: Jinja2 SSTI in a GGUF chat_template";
    private static final String GGUF_SPEC = "format attack: GGUF layout (llama.cpp loader rules)";
    private static final String ST_SPEC = "format attack: safetensors layout (the format's own rules)";

    public static List<Attack> gguf() {
        return List.of(
                new Attack("gguf: chat_template SSTI reaching os through __subclasses__", LLAMA_DRAMA,
                        GgufFixtures.honestBuilder().string("tokenizer.chat_template.default",
                                "{% for x in ().__class__.__base__.__subclasses__() %}{% if \"warning\" in x.__name__ %}"
                                        + "{{ x()._module.__builtins__['__import__']('os').popen('id') }}{% endif %}{% endfor %}")
                                .bytes(), "gguf.template_injection"),
                new Attack("gguf: chat_template SSTI through cycler globals", LLAMA_DRAMA,
                        new GgufBuilder().string("general.architecture", "llama").string("tokenizer.chat_template",
                                "{{ cycler.__init__.__globals__.os.popen('id').read() }}").bytes(), "gguf.template_injection"),
                new Attack("gguf: chat_template SSTI through |attr with hex escapes", LLAMA_DRAMA,
                        new GgufBuilder().string("tokenizer.chat_template.tool_use",
                                "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}").bytes(), "gguf.template_injection"),
                new Attack("gguf: kv count far beyond the file", DATABRICKS + "unchecked key/value count",
                        new GgufBuilder().string("general.name", "m").kvCount(50_000).bytes(), "gguf.truncated"),
                new Attack("gguf: tensor count 2^64-1", DATABRICKS + "unchecked tensor count",
                        new GgufBuilder().tensorCount(-1).bytes(), "gguf.limit"),
                new Attack("gguf: tensor count lies", DATABRICKS + "unchecked tensor count",
                        new GgufBuilder().f32("a", 1).tensorCount(1_000_000).bytes(), "gguf.truncated"),
                new Attack("gguf: string length 2^40", DATABRICKS + "unchecked string length",
                        new GgufBuilder().raw("general.name", 8, le64(1L << 40)).bytes(), "gguf.truncated"),
                new Attack("gguf: array length 2^33", DATABRICKS + "unchecked array element count",
                        new GgufBuilder().raw("tokenizer.ggml.scores", 9, concat(le32(6), le64(1L << 33))).bytes(), "gguf.truncated"),
                new Attack("gguf: array of arrays", GGUF_SPEC,
                        new GgufBuilder().raw("k", 9, concat(le32(9), le64(1), le32(4), le64(1), le32(7))).bytes(), "gguf.nested_array"),
                new Attack("gguf: unknown value type", GGUF_SPEC, new GgufBuilder().raw("k", 13, le32(0)).bytes(),
                        "gguf.unknown_value_type"),
                new Attack("gguf: version 4", GGUF_SPEC, new GgufBuilder().version(4).bytes(), "gguf.version"),
                new Attack("gguf: duplicate key", GGUF_SPEC,
                        new GgufBuilder().string("tokenizer.chat_template", "{{ m }}").string("tokenizer.chat_template", "{{ x }}")
                                .bytes(), "gguf.duplicate_key"),
                new Attack("gguf: alignment not a power of two", GGUF_SPEC, new GgufBuilder().alignment(48).f32("a", 4).bytes(),
                        "gguf.alignment"),
                new Attack("gguf: tensor name of 64 bytes", GGUF_SPEC, new GgufBuilder().f32("n".repeat(64), 4).bytes(),
                        "gguf.tensor_name"),
                new Attack("gguf: dims overflow the byte size", DATABRICKS + "tensor size overflow backed by a few bytes",
                        new GgufBuilder().tensor(b("w"), 0, 0, 0L, 1L << 31, 1L << 31).bytes(), "gguf.size_overflow"),
                new Attack("gguf: five dimensions", GGUF_SPEC, new GgufBuilder().f32("w", 1, 1, 1, 1, 1).bytes(), "gguf.dims"),
                new Attack("gguf: unknown ggml type", GGUF_SPEC, new GgufBuilder().tensor(b("w"), 1000, 4, null, 1).bytes(),
                        "gguf.unknown_tensor_type"),
                new Attack("gguf: overlapping tensors", GGUF_SPEC,
                        new GgufBuilder().f32("a", 16).tensor(b("b"), 0, 16, 32L, 4).bytes(), "gguf.offset_mismatch"),
                new Attack("gguf: huge tensor backed by a few bytes", DATABRICKS + "tensor data past the end of the file",
                        new GgufBuilder().tensor(b("a"), 0, 0, null, 1L << 40).cut(200).bytes(), "gguf.out_of_file"),
                new Attack("gguf: bytes after the last tensor", GGUF_SPEC, new GgufBuilder().f32("a", 4).trailing(100).bytes(),
                        "gguf.trailing_data"));
    }

    /** Safetensors attacks; the header is written as given, so it can lie. */
    public static List<Attack> safetensors() {
        String a = SafetensorsBuilder.t("a", "F32", "[2]", 0, 8);
        return List.of(
                new Attack("safetensors: overlapping offsets", ST_SPEC,
                        st("{" + a + "," + SafetensorsBuilder.t("b", "F32", "[2]", 4, 12) + "}", 12), "safetensors.overlap"),
                new Attack("safetensors: two tensors on the same bytes", ST_SPEC,
                        st("{" + a + "," + SafetensorsBuilder.t("b", "F32", "[2]", 0, 8) + "}", 8), "safetensors.overlap"),
                new Attack("safetensors: hole between tensors", ST_SPEC,
                        st("{" + a + "," + SafetensorsBuilder.t("b", "F32", "[2]", 12, 20) + "}", 20), "safetensors.hole"),
                new Attack("safetensors: trailing bytes after the data", ST_SPEC, st("{" + a + "}", 12),
                        "safetensors.trailing_bytes"),
                new Attack("safetensors: a pickle appended after the data (polyglot)", ST_SPEC,
                        concat(st("{" + a + "}", 8), "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R."
                                .getBytes(StandardCharsets.ISO_8859_1)), "safetensors.trailing_bytes"),
                new Attack("safetensors: duplicate tensor key", ST_SPEC,
                        st("{" + a + "," + SafetensorsBuilder.t("a", "F32", "[2]", 8, 16) + "}", 16), "safetensors.duplicate_key"),
                new Attack("safetensors: duplicate key spelt with an escape", ST_SPEC,
                        st("{" + a + "," + SafetensorsBuilder.t("\\u0061", "F32", "[2]", 8, 16) + "}", 16),
                        "safetensors.duplicate_key"),
                new Attack("safetensors: metadata value not a string", ST_SPEC,
                        st("{\"__metadata__\":{\"format\":{\"nested\":1}}," + a + "}", 8), "safetensors.metadata"),
                new Attack("safetensors: shape overflows 64 bits", ST_SPEC,
                        st("{" + SafetensorsBuilder.t("a", "F32", "[4294967296,4294967296]", 0, 8) + "}", 8), "safetensors.overflow"),
                new Attack("safetensors: shape disagrees with the byte length", ST_SPEC,
                        st("{" + SafetensorsBuilder.t("a", "F32", "[3]", 0, 8) + "}", 8), "safetensors.size_mismatch"),
                new Attack("safetensors: tensor past the end of the data", ST_SPEC,
                        st("{" + SafetensorsBuilder.t("a", "F32", "[4]", 0, 16) + "}", 8), "safetensors.out_of_file"),
                // the sniffer already refuses a length the file cannot hold: no format, rejected at the gate
                new Attack("safetensors: header length past the file", ST_SPEC + "; not even sniffed as safetensors",
                        headerPastTheFile(), "format.unknown"),
                new Attack("safetensors: lone surrogate in a name", ST_SPEC,
                        st("{" + SafetensorsBuilder.t("\\ud800", "F32", "[2]", 0, 8) + "}", 8), "safetensors.malformed_json"),
                new Attack("safetensors: unknown field in an entry", ST_SPEC,
                        st("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"loader\":\"os.system\"}}", 8),
                        "safetensors.bad_entry"),
                new Attack("safetensors: unknown dtype", ST_SPEC, st("{" + SafetensorsBuilder.t("a", "F128", "[2]", 0, 8) + "}", 8),
                        "safetensors.unknown_dtype"));
    }

    /** Honest GGUF and safetensors files. */
    public static List<Attack> honest() {
        return List.of(
                new Attack("gguf: small llama with a plain chat template", "honest", GgufFixtures.honestBuilder().bytes(), ""),
                new Attack("gguf: v2, alignment 64, two F32 tensors", "honest",
                        new GgufBuilder().version(2).alignment(64).f32("a", 3).f32("b", 20).bytes(), ""),
                new Attack("gguf: every known ggml tensor type", "honest", everyGgmlType(), ""),
                new Attack("safetensors: F32 and BF16 tensors with metadata", "honest", SafetensorsBuilder.honest(), ""),
                new Attack("safetensors: metadata only", "honest", st("{\"__metadata__\":{\"format\":\"pt\"}}", 0), ""));
    }

    /** A GGUF whose chat template is {@code template}, nothing else. */
    public static byte[] ggufWithTemplate(String template) {
        return new GgufBuilder().string("general.architecture", "llama").string("tokenizer.chat_template", template).bytes();
    }

    /** A u64 header length of 1000 in a file of 10 bytes. */
    public static byte[] headerPastTheFile() {
        return concat(le64(1000), "{}".getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] st(String header, long data) {
        return SafetensorsBuilder.file(header, data);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] le32(long v) {
        return new GgufBuilder.Out().u32(v).bytes();
    }

    private static byte[] le64(long v) {
        return new GgufBuilder.Out().u64(v).bytes();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** A GGUF with one tensor of every ggml type the reader knows. */
    static byte[] everyGgmlType() {
        GgufBuilder g = new GgufBuilder();
        for (GgufValidator.GgmlType t : GgufValidator.ggmlTypes()) {
            g.tensor(("t" + t.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8), t.id(), (long) t.typeSize() * 2, null,
                    t.blockSize() * 2L);
        }
        return g.bytes();
    }
}
