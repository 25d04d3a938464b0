package io.airlock.formats;

import io.airlock.fixtures.GgufBuilder;
import io.airlock.fixtures.GgufFixtures;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class GgufValidatorTest {

    static GgufBuilder honest() {
        return GgufFixtures.honestBuilder();
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                arguments("version 1", new GgufBuilder().version(1).bytes(), "gguf.version"),
                arguments("version 4", new GgufBuilder().version(4).bytes(), "gguf.version"),
                arguments("tensor count lies", new GgufBuilder().f32("a", 1).tensorCount(1_000_000).bytes(), "gguf.truncated"),
                arguments("tensor count 2^64-1", new GgufBuilder().tensorCount(-1).bytes(), "gguf.limit"),
                arguments("kv count lies", new GgufBuilder().string("a", "b").kvCount(50_000).bytes(), "gguf.truncated"),
                arguments("string length past the end", new GgufBuilder().raw("k", 8, le64(1L << 40)).bytes(), "gguf.truncated"),
                arguments("array count past the end", new GgufBuilder().raw("k", 9, concat(le32(4), le64(1L << 33))).bytes(), "gguf.truncated"),
                arguments("array of arrays", new GgufBuilder().raw("k", 9, concat(le32(9), le64(1), le32(4), le64(1), le32(7))).bytes(),
                        "gguf.nested_array"),
                arguments("unknown value type", new GgufBuilder().raw("k", 13, le32(0)).bytes(), "gguf.unknown_value_type"),
                arguments("unknown array element type", new GgufBuilder().raw("k", 9, concat(le32(77), le64(0))).bytes(),
                        "gguf.unknown_value_type"),
                arguments("bool that is neither", new GgufBuilder().raw("k", 7, new byte[]{2}).bytes(), "gguf.bad_bool"),
                arguments("empty key", new GgufBuilder().string("", "x").bytes(), "gguf.bad_key"),
                arguments("duplicate key", new GgufBuilder().string("general.name", "a").string("general.name", "b").bytes(),
                        "gguf.duplicate_key"),
                arguments("alignment not a power of two", new GgufBuilder().alignment(48).f32("a", 4).bytes(), "gguf.alignment"),
                arguments("alignment zero", new GgufBuilder().u32("general.alignment", 0).bytes(), "gguf.alignment"),
                arguments("alignment of the wrong type", new GgufBuilder().raw("general.alignment", 10, le64(32)).bytes(), "gguf.alignment"),
                arguments("invalid UTF-8 key", new GgufBuilder().rawPair(new byte[]{'k', (byte) 0xc0, (byte) 0x80}, 4, le32(1)).bytes(),
                        "gguf.bad_string"),
                arguments("invalid UTF-8 chat template", new GgufBuilder().raw("tokenizer.chat_template", 8,
                        concat(le64(2), new byte[]{(byte) 0xed, (byte) 0xa0})).bytes(), "gguf.bad_string"),
                arguments("duplicate tensor names", new GgufBuilder().f32("w", 4).f32("w", 4).bytes(), "gguf.duplicate_tensor"),
                arguments("tensor name of 64 bytes", new GgufBuilder().f32("n".repeat(64), 4).bytes(), "gguf.tensor_name"),
                arguments("empty tensor name", new GgufBuilder().f32("", 4).bytes(), "gguf.tensor_name"),
                arguments("five dimensions", new GgufBuilder().f32("w", 1, 1, 1, 1, 1).bytes(), "gguf.dims"),
                arguments("dims overflow the element count", new GgufBuilder().tensor(b("w"), 0, 0, 0L, 1L << 32, 1L << 32).bytes(),
                        "gguf.size_overflow"),
                arguments("dims overflow the byte size", new GgufBuilder().tensor(b("w"), 0, 0, 0L, 1L << 31, 1L << 31).bytes(),
                        "gguf.size_overflow"),
                arguments("dimension over 2^63", new GgufBuilder().tensor(b("w"), 0, 0, 0L, -1L).bytes(), "gguf.size_overflow"),
                arguments("removed ggml type Q4_2", new GgufBuilder().tensor(b("w"), 4, 20, null, 32).bytes(), "gguf.unknown_tensor_type"),
                arguments("unknown ggml type", new GgufBuilder().tensor(b("w"), 1000, 4, null, 1).bytes(), "gguf.unknown_tensor_type"),
                arguments("row not whole blocks", new GgufBuilder().tensor(b("w"), 2, 18, null, 33).bytes(), "gguf.block_size"),
                arguments("misaligned offset", new GgufBuilder().f32("a", 4).tensor(b("b"), 0, 16, 16L, 4).bytes(), "gguf.misaligned_offset"),
                arguments("tensors overlap", new GgufBuilder().f32("a", 16).tensor(b("b"), 0, 16, 32L, 4).bytes(), "gguf.offset_mismatch"),
                arguments("hole between tensors", new GgufBuilder().f32("a", 4).tensor(b("b"), 0, 16, 64L, 4).bytes(), "gguf.offset_mismatch"),
                arguments("first tensor not at 0", new GgufBuilder().tensor(b("a"), 0, 16, 32L, 4).bytes(), "gguf.offset_mismatch"),
                arguments("tensor data past the file", new GgufBuilder().f32("a", 1024).cut(200).bytes(), "gguf.out_of_file"),
                arguments("huge tensor backed by a few bytes", new GgufBuilder().tensor(b("a"), 0, 0, null, 1L << 40).cut(200).bytes(),
                        "gguf.out_of_file"),
                arguments("trailing data after the tensors", new GgufBuilder().f32("a", 4).trailing(100).bytes(), "gguf.trailing_data"),
                arguments("truncated header", java.util.Arrays.copyOf(new GgufBuilder().bytes(), 12), "gguf.truncated"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void rejectsWithTheRightRule(String name, byte[] bytes, String rule) {
        assertThatThrownBy(() -> GgufValidator.validate(ByteSource.of(bytes)))
                .isInstanceOfSatisfying(FormatViolation.class, v -> assertThat(v.rule()).as(v.getMessage()).isEqualTo(rule));
    }

    @Test
    void acceptsAnHonestModel() throws Exception {
        GgufValidator.Layout l = GgufValidator.validate(ByteSource.of(honest().bytes()));
        assertThat(l.version()).isEqualTo(3);
        assertThat(l.tensors()).extracting(GgufValidator.TensorInfo::name)
                .containsExactly("token_embd.weight", "blk.0.attn_q.weight", "output_norm.weight");
        assertThat(l.tensors().get(1).bytes()).isEqualTo(2 * 34 * 4);
        assertThat(l.injections()).as("namespace(...) is legitimate Jinja").isEmpty();
    }

    static Stream<Arguments> honestVariants() {
        return Stream.of(
                arguments("v2, no tensors", new GgufBuilder().version(2).bytes()),
                arguments("no padding after the last tensor", honest().noPaddingAfterLast().bytes()),
                arguments("alignment 64", new GgufBuilder().alignment(64).f32("a", 3).f32("b", 20).bytes()),
                arguments("4 dims, zero-sized tensor", new GgufBuilder().f32("a", 2, 3, 4, 5).f32("z", 0).f32("c", 1).bytes()),
                arguments("every known type", everyType()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honestVariants")
    void acceptsHonestVariants(String name, byte[] bytes) throws Exception {
        GgufValidator.validate(ByteSource.of(bytes));
    }

    static byte[] everyType() {
        GgufBuilder g = new GgufBuilder();
        for (GgufValidator.GgmlType t : GgufValidator.GGML_TYPES.values()) {
            g.tensor(b("t" + t.id()), t.id(), (long) t.typeSize() * 2, null, t.blockSize() * 2L);
        }
        return g.bytes();
    }

    static Stream<Arguments> templates() {
        return Stream.of(
                arguments("{{ ''.__class__.__mro__[1].__subclasses__() }}", "private_name"),
                arguments("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "sandbox_global"),
                arguments("{{ lipsum.__globals__['os'].system('id') }}", "sandbox_global"),
                arguments("{{ joiner.__init__.__globals__ }}", "sandbox_global"),
                arguments("{{ namespace.__init__.__globals__ }}", "private_name"),
                arguments("{{ self._TemplateReference__context }}", "private_name"),
                arguments("{{ request.application.__self__ }}", "sandbox_global"),
                arguments("{{ config.items() }}", "sandbox_global"),
                arguments("{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", "private_name"),
                arguments("{{ x.__builtins__['eval']('1') }}", "private_name"),
                arguments("{{ os.system('id') }}", "sandbox_global"),
                // names computed at render time, which no literal dunder pattern sees
                arguments("{{ ''[\"__cla\" ~ \"ss__\"] }}", "computed_name"),
                arguments("{% set n = 'cla' %}{{ ''['_' * 2 ~ n ~ 's' ~ '_' * 2] }}", "computed_name"),
                arguments("{{ x[('cl' ~ 'ass')|format] }}", "computed_name"),
                arguments("{{ x[a + 'ss'] }}", "computed_name"),
                arguments("{{ x['%c%cclass%c%c'|format(95,95,95,95)] }}", "char_codes"));
    }

    /** Chat templates of the shape real models ship (ChatML, Llama 3.1 with tools, Mistral, Gemma, DeepSeek R1). */
    static Stream<String> realTemplates() {
        return Stream.of(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
                        + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
                "{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = strftime_now(\"%d %b %Y\") %}{%- endif %}"
                        + "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}"
                        + "{%- set messages = messages[1:] %}{%- else %}{%- set system_message = \"\" %}{%- endif %}"
                        + "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}{{- 'Today Date: ' + date_string + '\\n\\n' }}"
                        + "{%- if tools is not none %}{%- for t in tools %}{{- t | tojson(indent=4) }}{{- '\\n\\n' }}{%- endfor %}{%- endif %}"
                        + "{%- for message in messages %}{%- if 'tool_calls' in message %}{%- set tool_call = message.tool_calls[0].function %}"
                        + "{{- '{\"name\": \"' + tool_call.name + '\", ' }}{{- '\"parameters\": ' }}{{- tool_call.arguments | tojson }}"
                        + "{%- else %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}"
                        + "{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
                "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
                        + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
                        + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}",
                "{% for message in messages %}{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
                        + "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
                        + "{% if messages[loop.index0 + 1] is defined %}{% endif %}",
                "{% set ns = namespace(is_first=false, is_tool=false, system_prompt='') %}{%- for message in messages %}"
                        + "{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}"
                        + "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}"
                        + "{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}");
    }

    @ParameterizedTest
    @MethodSource("realTemplates")
    void realChatTemplatesHoldNoMarker(String template) {
        assertThat(GgufValidator.scanTemplate("tokenizer.chat_template", template)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void findsTemplateInjection(String template, String marker) throws Exception {
        byte[] bytes = new GgufBuilder().string("tokenizer.chat_template.tool_use", template).bytes();
        GgufValidator.Layout l = GgufValidator.validate(ByteSource.of(bytes));
        assertThat(l.injections()).extracting(GgufValidator.Injection::check).contains(marker);
        assertThat(l.injections()).allSatisfy(i -> assertThat(i.key()).isEqualTo("tokenizer.chat_template.tool_use"));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] le32(long v) {
        return new GgufBuilder.Out().u32(v).bytes();
    }

    static byte[] le64(long v) {
        return new GgufBuilder.Out().u64(v).bytes();
    }

    static byte[] concat(byte[]... parts) {
        return SafetensorsValidatorTest.concat(parts);
    }
}
