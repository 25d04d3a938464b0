package io.airlock.formats.jinja;

import io.airlock.fixtures.ChatTemplateCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The rules on the tree: honest templates pass, each hostile one is named by its check. */
class ChatTemplateRulesTest {
    static Stream<Arguments> honest() {
        return Stream.concat(ChatTemplateCorpus.honest().entrySet().stream(), ChatTemplateCorpus.edgeCases().entrySet().stream())
                .map(e -> arguments(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void honestTemplatesHaveNoFindingAtOrAboveMedium(String name, String template) {
        assertThat(ChatTemplateRules.judge(template)).filteredOn(f -> f.risk() != ChatTemplateRules.Risk.LOW).isEmpty();
    }

    static Stream<Arguments> hostile() {
        return ChatTemplateCorpus.hostile().entrySet().stream().map(e -> arguments(e.getKey(), e.getValue()[0], e.getValue()[1]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileTemplatesAreRejectedByTheCheckThatNamesThem(String name, String template, String check) {
        assertThat(ChatTemplateRules.judge(template)).as(ChatTemplateRules.judge(template).toString())
                .anySatisfy(f -> {
                    assertThat(f.check()).isEqualTo(check);
                    assertThat(f.risk()).isEqualTo(ChatTemplateRules.Risk.HIGH);
                });
    }

    static Stream<Arguments> odd() {
        return ChatTemplateCorpus.odd().entrySet().stream().map(e -> arguments(e.getKey(), e.getValue()[0], e.getValue()[1]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("odd")
    void oddButHarmlessTemplatesAreNamedBelowHigh(String name, String template, String check) {
        assertThat(ChatTemplateRules.judge(template)).as(ChatTemplateRules.judge(template).toString())
                .anySatisfy(f -> assertThat(f.check()).isEqualTo(check))
                .allSatisfy(f -> assertThat(f.risk()).isNotEqualTo(ChatTemplateRules.Risk.HIGH));
    }

    @Test
    void aGadgetNameTheTemplateBindsItselfIsNotTheGlobal() {
        assertThat(ChatTemplateRules.judge("{% for config in configs %}{{ config.name }}{% endfor %}")).isEmpty();
        assertThat(ChatTemplateRules.judge("{{ config.name }}")).extracting(ChatTemplateRules.Finding::check)
                .containsExactly("sandbox_global");
    }

    @Test
    void foldingIsBoundedWhereNamesDoubleEachOther() {
        StringBuilder t = new StringBuilder("{% set a0 = 'x' %}");
        for (int i = 1; i < 80; i++) {
            t.append("{% set a").append(i).append(" = a").append(i - 1).append(" ~ a").append(i - 1).append(" %}");
        }
        t.append("{{ y[a79] }}");
        long start = System.nanoTime();
        assertThat(ChatTemplateRules.judge(t.toString())).extracting(ChatTemplateRules.Finding::check).contains("computed_name");
        assertThat(System.nanoTime() - start).as("nanoseconds").isLessThan(5_000_000_000L);
    }

    @Test
    void theBuiltinFilterAndTestListsAreJinja2s() {
        assertThat(ChatTemplateRules.FILTERS).hasSize(54).contains("tojson", "items");
        assertThat(ChatTemplateRules.TESTS).hasSize(39).contains("defined", "none", "filter", "test");
    }
}
