package io.airlock.evaluator.service;

import io.airlock.contracts.ConformanceWork;
import io.airlock.evaluator.engine.corpus.Corpora;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry validates builtin corpus names against the contracts' list: it must be the engine's. */
class ConformanceCorporaTest {
    @Test
    void theRegistrysBuiltinNamesAreTheEnginesCorpora() {
        List<String> engine = new ArrayList<>();
        engine.add(Corpora.DEFAULT_SUITE);
        engine.addAll(Corpora.BUILTIN);
        assertThat(ConformanceWork.BUILTIN_CORPORA).containsExactlyElementsOf(engine);
        ConformanceWork.BUILTIN_CORPORA.forEach(n -> assertThat(Corpora.builtin(n)).as(n).isPresent());
    }

    @Test
    void externalNamesCannotLeaveTheCorporaFolder() {
        String d = "sha256:" + "a".repeat(64);
        assertThat(ConformanceWork.invalidCorpus("file:ok-1.json", d)).isEmpty();
        for (String bad : List.of("file:../x", "file:a/b", "file:..", "file:.hidden", "file:", "file:a\\b")) {
            assertThat(ConformanceWork.invalidCorpus(bad, d)).as(bad).contains("no folders");
        }
    }
}
