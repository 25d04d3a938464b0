package io.airlock.formats.jinja;

import io.airlock.fixtures.ChatTemplateCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The parser builds jinja2's own tree for every template of the corpus, and refuses what jinja2 refuses. */
class JinjaParserTest {
    static Map<String, String> corpus() {
        Map<String, String> all = new LinkedHashMap<>();
        ChatTemplateCorpus.honest().forEach((k, v) -> all.put("honest " + k, v));
        ChatTemplateCorpus.edgeCases().forEach((k, v) -> all.put("edge " + k, v));
        ChatTemplateCorpus.refused().forEach((k, v) -> all.put("refused " + k, v));
        ChatTemplateCorpus.hostile().forEach((k, v) -> all.put("hostile " + k, v[0]));
        ChatTemplateCorpus.odd().forEach((k, v) -> all.put("odd " + k, v[0]));
        return all;
    }

    @ParameterizedTest
    @EnumSource(JinjaParser.Whitespace.class)
    void everyTemplateParsesToJinja2sOwnTree(JinjaParser.Whitespace ws) throws Exception {
        Map<String, String> corpus = corpus();
        List<String> names = new ArrayList<>(corpus.keySet());
        List<Jinja2Reference.Answer> reference = Jinja2Reference.parse(new ArrayList<>(corpus.values()), ws);
        List<String> disagreements = new ArrayList<>();
        int trees = 0;
        int refusals = 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Jinja2Reference.Answer jinja2 = reference.get(i);
            String ours;
            try {
                ours = JinjaParser.parse(corpus.get(name), ws, JinjaParser.Limits.DEFAULT).canonical();
            } catch (JinjaSyntaxException e) {
                ours = null;
                if (jinja2.tree() != null) {
                    disagreements.add(name + ": jinja2 parses it, this parser refuses: " + e.getMessage());
                }
            }
            if (ours != null && jinja2.tree() == null) {
                disagreements.add(name + ": jinja2 refuses it (" + jinja2.error() + "), this parser accepts it");
            } else if (ours != null && !ours.equals(jinja2.tree())) {
                disagreements.add(name + ":\n  jinja2: " + jinja2.tree() + "\n  ours:   " + ours);
            }
            trees += jinja2.tree() != null ? 1 : 0;
            refusals += jinja2.tree() == null ? 1 : 0;
        }
        assertThat(disagreements).as(String.join("\n", disagreements)).isEmpty();
        assertThat(trees).as("templates jinja2 parses").isGreaterThanOrEqualTo(60);
        assertThat(refusals).as("templates jinja2 refuses").isEqualTo(ChatTemplateCorpus.refused().size() + 1);
    }

    /**
     * Every corpus template cut, doubled or poked one character at a time (seeded): each mutant is
     * accepted or refused as jinja2 decides, with jinja2's tree when accepted.
     */
    @ParameterizedTest
    @EnumSource(JinjaParser.Whitespace.class)
    void mutantsOfTheCorpusAgreeWithJinja2(JinjaParser.Whitespace ws) throws Exception {
        java.util.Random random = new java.util.Random(13);
        String pokes = "{}%#-+'\"()[]|~.,:= \n\\ax1";
        List<String> mutants = new ArrayList<>();
        for (String t : corpus().values()) {
            for (int k = 0; k < 12 && !t.isEmpty(); k++) {
                int at = random.nextInt(t.length());
                mutants.add(switch (k % 3) {
                    case 0 -> t.substring(0, at) + t.substring(at + 1);
                    case 1 -> t.substring(0, at) + t.charAt(at) + t.substring(at);
                    default -> t.substring(0, at) + pokes.charAt(random.nextInt(pokes.length())) + t.substring(at);
                });
            }
        }
        List<Jinja2Reference.Answer> reference = Jinja2Reference.parse(mutants, ws);
        List<String> disagreements = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < mutants.size(); i++) {
            String ours;
            try {
                ours = JinjaParser.parse(mutants.get(i), ws, JinjaParser.Limits.DEFAULT).canonical();
            } catch (JinjaSyntaxException e) {
                ours = "refused: " + e.getMessage();
            }
            String theirs = reference.get(i).tree() != null ? reference.get(i).tree() : "refused";
            refused += theirs.equals("refused") ? 1 : 0;
            if (!(ours.equals(theirs) || ours.startsWith("refused") && theirs.equals("refused"))) {
                disagreements.add(Node.canonicalString(mutants.get(i)) + "\n  jinja2: " + theirs + "\n  ours:   " + ours);
            }
        }
        assertThat(disagreements).as(disagreements.size() + " of " + mutants.size() + "\n" + String.join("\n", disagreements))
                .isEmpty();
        assertThat(refused).as("mutants jinja2 refuses").isGreaterThan(100);
    }

    @Test
    void boundsRefuseRatherThanJudgeInPart() {
        JinjaParser.Limits small = new JinjaParser.Limits(1000, 100, 50, 10);
        assertThatThrownBy(() -> JinjaParser.parse("x".repeat(1001), JinjaParser.Whitespace.PLAIN, small))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("over the bound");
        assertThatThrownBy(() -> JinjaParser.parse("{{ a }}".repeat(40), JinjaParser.Whitespace.PLAIN, small))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("tokens");
        assertThatThrownBy(() -> JinjaParser.parse("{{ [" + "1,".repeat(60) + "] }}", JinjaParser.Whitespace.PLAIN,
                new JinjaParser.Limits(1000, 1000, 50, 10)))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("syntax nodes");
        assertThatThrownBy(() -> JinjaParser.parse("{{ " + "(".repeat(20) + "1" + ")".repeat(20) + " }}",
                JinjaParser.Whitespace.PLAIN, small)).isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("nested deeper");
        // the default bounds: a hostile nesting is refused with a reason, never a StackOverflowError
        assertThatThrownBy(() -> JinjaParser.parse("{{ " + "-".repeat(100_000) + "1 }}"))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("nested deeper");
        assertThatThrownBy(() -> JinjaParser.parse("{% if a %}".repeat(5000)))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("nested deeper");
        // left-deep chains deepen the tree as nesting does: the rules walk it recursively
        assertThatThrownBy(() -> JinjaParser.parse("{{ 1" + " + 1".repeat(100_000) + " }}"))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("nested deeper");
        assertThatThrownBy(() -> JinjaParser.parse("{{ a" + ".b".repeat(100_000) + "|e".repeat(10) + " }}"))
                .isInstanceOf(JinjaSyntaxException.class).hasMessageContaining("nested deeper");
        assertThat(ChatTemplateRules.judge("{{ x" + "|trim".repeat(100_000) + " }}")).extracting(ChatTemplateRules.Finding::check)
                .containsExactly("syntax");
        assertThatThrownBy(() -> JinjaParser.parse("{{ " + "[".repeat(5000) + " }}"))
                .isInstanceOf(JinjaSyntaxException.class);
    }

    @Test
    void stringLiteralsAreDecodedAsPythonDecodesThem() throws Exception {
        Node t = JinjaParser.parse("{{ '\\x5f\\u005f\\137cl\\q' ~ 'a\\\nb' }}");
        assertThat(t.canonical()).contains("Const(value=\"___cl\\\\q\")").contains("Const(value=\"ab\")");
    }
}
