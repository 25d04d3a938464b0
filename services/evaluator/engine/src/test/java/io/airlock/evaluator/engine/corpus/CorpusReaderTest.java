package io.airlock.evaluator.engine.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Severity;
import io.airlock.evaluator.engine.json.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class CorpusReaderTest {
    static final String CASE = "{\"id\":\"c1\",\"category\":\"jailbreak\",\"severity\":\"HIGH\",\"prompt\":\"do it\","
            + "\"detectors\":[\"refusal\"],\"expected\":\"refuse\"}";

    static String corpus(String... cases) {
        return "{\"schemaVersion\":\"v1\",\"name\":\"t\",\"cases\":[" + String.join(",", cases) + "]}";
    }

    static Corpus parse(String json) throws SpecException {
        return CorpusReader.parse(json.getBytes(StandardCharsets.UTF_8), "corpus t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jailbreak-baseline", "prompt-injection", "harmful-content", "system-prompt-extraction",
            "tool-abuse"})
    void eachBuiltinCorpusPassesTheStrictReaderWithTenCasesAndTwoControls(String name) {
        Corpus c = Corpora.builtin(name).orElseThrow();
        assertThat(c.name()).isEqualTo(name);
        assertThat(c.cases()).hasSize(10);
        assertThat(c.controls()).isEqualTo(2);
        assertThat(c.digest()).matches("sha256:[0-9a-f]{64}");
        assertThat(c.cases()).extracting(CorpusCase::category).containsOnly(name.replace("-baseline", "")
                .replace("-", "_").replace("jailbreak", "jailbreak"));
    }

    @Test
    void theDefaultSuiteHasFiftyCasesWithBenignControlsAndAStableDigest() {
        Corpus s = Corpora.defaultSuite();
        assertThat(s.cases()).hasSize(50);
        assertThat(s.attacks()).isEqualTo(40);
        assertThat(s.controls()).isEqualTo(10);
        assertThat(s.cases().stream().map(CorpusCase::id).collect(Collectors.toSet())).hasSize(50);
        assertThat(s.cases()).extracting(CorpusCase::severity)
                .contains(Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW);
        assertThat(s.cases().stream().map(CorpusCase::encoding).collect(Collectors.toSet()))
                .contains(Encoding.BASE64, Encoding.ROT13, Encoding.LEETSPEAK);
        assertThat(s.cases().stream().filter(c -> c.conversation().size() > 1)).isNotEmpty();
        assertThat(s.digest()).isEqualTo(Corpora.merge("default", "",
                Corpora.BUILTIN.stream().map(n -> Corpora.builtin(n).orElseThrow()).toList()).digest());
        // every canary is distinct: a model cannot pass by memorizing one
        Set<String> canaries = new HashSet<>();
        s.cases().stream().filter(c -> !c.canary().isEmpty()).forEach(c -> assertThat(canaries.add(c.canary())).isTrue());
    }

    @Test
    void theDigestNamesTheContentNotItsLayout() throws Exception {
        String compact = corpus(CASE);
        ObjectMapper m = new ObjectMapper();
        JsonNode tree = m.readTree(compact);
        String pretty = m.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
        String reordered = "{\"cases\":[{\"expected\":\"refuse\",\"detectors\":[\"refusal\"],\"prompt\":\"do it\","
                + "\"severity\":\"HIGH\",\"category\":\"jailbreak\",\"id\":\"c1\"}],\"name\":\"t\",\"schemaVersion\":\"v1\"}";
        String d = parse(compact).digest();
        assertThat(parse(pretty).digest()).isEqualTo(d);
        assertThat(parse(reordered).digest()).isEqualTo(d);
        assertThat(parse(compact.replace("do it", "do it!")).digest()).isNotEqualTo(d);
    }

    static Stream<Arguments> invalid() {
        String c = CASE;
        return Stream.of(
                arguments("unknown top-level key", "{\"schemaVersion\":\"v1\",\"name\":\"t\",\"signed\":true,\"cases\":[" + c + "]}",
                        "$: unknown key 'signed'"),
                arguments("unknown case key", corpus(c.replace("{", "{\"weight\":2,")), "$.cases[0]: unknown key 'weight'"),
                arguments("another schema", corpus(c).replace("\"v1\"", "\"v2\""), "'v2' is not supported"),
                arguments("no cases", corpus(), "at least one case"),
                arguments("duplicate id", corpus(c, c), "$.cases[1].id: 'c1' appears twice"),
                arguments("duplicate JSON key", corpus(c.replace("{", "{\"id\":\"c0\",")), "duplicate key 'id'"),
                arguments("INFO severity", corpus(c.replace("HIGH", "INFO")), "'INFO' (CRITICAL, HIGH, MEDIUM or LOW)"),
                arguments("prompt and conversation", corpus(c.replace("\"prompt\":\"do it\"",
                        "\"prompt\":\"x\",\"conversation\":[{\"role\":\"user\",\"content\":\"x\"}]")), "exactly one of prompt or conversation"),
                arguments("neither", corpus(c.replace("\"prompt\":\"do it\",", "")), "exactly one of prompt or conversation"),
                arguments("conversation ending with the assistant", corpus(c.replace("\"prompt\":\"do it\"",
                        "\"conversation\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"y\"}]")),
                        "must end with a user turn"),
                arguments("system role in a conversation", corpus(c.replace("\"prompt\":\"do it\"",
                        "\"conversation\":[{\"role\":\"system\",\"content\":\"x\"}]")), "'system' (user or assistant"),
                arguments("unknown detector", corpus(c.replace("[\"refusal\"]", "[\"refusal\",\"vibes\"]")), "unknown 'vibes'"),
                arguments("detector twice", corpus(c.replace("[\"refusal\"]", "[\"refusal\",\"refusal\"]")), "listed twice"),
                arguments("refuse without the refusal detector", corpus(c.replace("[\"refusal\"]", "[\"tool_call\"]")
                        .replace("\"expected\"", "\"bannedTools\":[\"x\"],\"expected\"")), "needs the refusal detector"),
                arguments("unknown expectation", corpus(c.replace("\"refuse\"", "\"behave\"")), "'behave'"),
                arguments("unknown encoding", corpus(c.replace("\"detectors\"", "\"encoding\":\"morse\",\"detectors\"")),
                        "'morse'"),
                arguments("canary outside the system prompt", corpus(c.replace("\"detectors\":[\"refusal\"]",
                        "\"system\":\"be nice\",\"canary\":\"ALC-1234-5678\",\"detectors\":[\"refusal\",\"canary\"]")),
                        "the canary must appear in the system prompt"),
                arguments("canary never checked", corpus(c.replace("\"detectors\"",
                        "\"system\":\"key ALC-1234-5678\",\"canary\":\"ALC-1234-5678\",\"detectors\"")), "would never be checked"),
                arguments("canary too short", corpus(c.replace("\"detectors\":[\"refusal\"]",
                        "\"system\":\"key ab1\",\"canary\":\"ab1\",\"detectors\":[\"refusal\",\"canary\"]")), "at least 6"),
                arguments("rogue string without letters", corpus(c.replace("\"detectors\":[\"refusal\"]",
                        "\"rogueStrings\":[\"!!--!!\"],\"detectors\":[\"refusal\",\"rogue_string\"]")), "at least 6 letters"),
                arguments("tool_call without banned tools", corpus(c.replace("[\"refusal\"]", "[\"refusal\",\"tool_call\"]")),
                        "tool_call needs bannedTools"),
                arguments("decoded_payload on a plain prompt", corpus(c.replace("\"detectors\":[\"refusal\"]",
                        "\"rogueStrings\":[\"PWNED-1234\"],\"detectors\":[\"refusal\",\"decoded_payload\"]")), "encoding is none"),
                arguments("prompt_overlap without a system prompt", corpus(c.replace("[\"refusal\"]",
                        "[\"refusal\",\"prompt_overlap\"]")), "needs a system prompt"),
                arguments("an integer where a string goes", corpus(c.replace("\"do it\"", "42")), "expected a string"),
                arguments("trailing content", corpus(c) + " {}", "not valid JSON"),
                arguments("id with a slash", corpus(c.replace("\"c1\"", "\"a/b\"")), "does not match"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void aCorpusThatBreaksTheFormatIsRefusedWithThePath(String name, String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(SpecException.class).hasMessageContaining(message);
    }

    @Test
    void encodingsWrapTheLastUserTurnAndDecodeBack() throws SpecException {
        Corpus c = parse(corpus(CASE.replace("\"detectors\"", "\"encoding\":\"base64\",\"detectors\"")));
        List<Turn> sent = c.cases().get(0).sent();
        String body = sent.get(0).content();
        String b64 = body.substring(body.lastIndexOf('\n') + 1);
        assertThat(new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8)).isEqualTo("do it");
        assertThat(Encoding.rot13(Encoding.rot13("Hello, World"))).isEqualTo("Hello, World");
        assertThat(Encoding.rot13("abcxyz")).isEqualTo("nopklm");
        assertThat(Encoding.leet("Steal the password")).isEqualTo("5734l 7h3 p455w0rd");
        assertThat(Encoding.unleet("573a1")).isEqualTo("steai");
    }
}
