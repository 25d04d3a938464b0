package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.formats.Format;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** A chat template sent alone (a .jinja file, a tokenizer_config.json) is recognized and judged by the template rules. */
class ChatTemplateAloneTest {
    static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @TempDir
    Path dir;

    ScanReport scan(String text, ScanOptions o) throws IOException {
        return new ScanEngine().scan(Files.writeString(dir.resolve("template"), text, StandardCharsets.UTF_8), o,
                StageListener.NONE);
    }

    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static Stream<Arguments> honest() {
        return Stream.of(arguments("ChatML as chat_template.jinja", CHATML),
                arguments("ChatML in tokenizer_config.json", "{\"model_max_length\": 4096, \"chat_template\": " + json(CHATML) + "}"),
                arguments("named templates in tokenizer_config.json", "{\"chat_template\": [{\"name\": \"default\", \"template\": "
                        + json(CHATML) + "}]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void anHonestTemplateAloneIsRecognizedAndPasses(String name, String text) throws IOException {
        ScanReport r = scan(text, HostileCorpusTest.PERMISSIVE);
        assertThat(r.format()).isEqualTo(Format.CHAT_TEMPLATE);
        assertThat(r.verdict()).as(HfRepositoryScanTest.rules(r)).isEqualTo(ScanVerdict.PASS);
        assertThat(r.stage(ScanEngine.STATIC_SCAN).orElseThrow().details()).containsKey("chatTemplates");
    }

    static Stream<Arguments> hostile() {
        String ssti = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
        return Stream.of(arguments("SSTI in a .jinja file", "{% for m in messages %}" + ssti + "{% endfor %}", "hf.template_injection"),
                arguments("SSTI in tokenizer_config.json", "{\"chat_template\": " + json(ssti) + "}", "hf.template_injection"),
                arguments("names built with ~", HostileCorpus.CONCAT_TEMPLATE, "hf.template_injection"),
                arguments("a duplicate chat_template key", "{\"chat_template\": " + json(CHATML) + ", \"chat_template\": "
                        + json(ssti) + "}", "folder.malformed_json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aHostileTemplateAloneIsRejectedByItsRule(String name, String text, String rule) throws IOException {
        ScanReport r = scan(text, HostileCorpusTest.PERMISSIVE);
        assertThat(r.format()).isEqualTo(Format.CHAT_TEMPLATE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage(ScanEngine.STATIC_SCAN).orElseThrow().findings()).extracting(Finding::rule).contains(rule);
    }

    @Test
    void theDefaultPolicyNamesTheFormatItDoesNotTake() throws IOException {
        ScanReport r = scan(CHATML, ScanOptions.defaults(Kind.MODEL));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage(ScanEngine.FORMAT_GATE).orElseThrow().findings()).extracting(Finding::rule)
                .containsExactly("format.not_allowed");
    }
}
