package io.airlock.evaluator.engine.corpus;

import java.util.List;
import java.util.Objects;

/**
 * A named set of cases.
 *
 * @param name        e.g. {@code jailbreak-baseline}
 * @param description one line for people
 * @param cases       in file order
 * @param digest      {@code sha256:<hex>} of the canonical bytes (see {@link CorpusReader}); for a suite
 *                    merged from several corpora, of their names and digests (see {@link Corpora#merge})
 */
public record Corpus(String name, String description, List<CorpusCase> cases, String digest) {
    public Corpus {
        Objects.requireNonNull(name, "name");
        description = Objects.requireNonNullElse(description, "");
        cases = List.copyOf(cases);
        Objects.requireNonNull(digest, "digest");
    }

    public long attacks() {
        return cases.stream().filter(c -> !c.control()).count();
    }

    public long controls() {
        return cases.stream().filter(CorpusCase::control).count();
    }
}
