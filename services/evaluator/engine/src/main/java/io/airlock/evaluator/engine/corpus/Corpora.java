package io.airlock.evaluator.engine.corpus;

import io.airlock.evaluator.engine.json.SpecException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The builtin corpora, written for Airlock (not copied from elsewhere), shipped as resources and
 * read through the same strict reader as any external corpus. The default suite is all five.
 */
public final class Corpora {
    public static final List<String> BUILTIN = List.of("jailbreak-baseline", "prompt-injection", "harmful-content",
            "system-prompt-extraction", "tool-abuse");
    public static final String DEFAULT_SUITE = "default";
    private static final Map<String, Corpus> CACHE = new ConcurrentHashMap<>();

    private Corpora() {
    }

    /** A builtin corpus by name, or the default suite for {@value #DEFAULT_SUITE}. */
    public static Optional<Corpus> builtin(String name) {
        if (name.equals(DEFAULT_SUITE)) {
            return Optional.of(defaultSuite());
        }
        if (!BUILTIN.contains(name)) {
            return Optional.empty();
        }
        return Optional.of(CACHE.computeIfAbsent(name, Corpora::load));
    }

    /** All builtin corpora merged, in {@link #BUILTIN} order. */
    public static Corpus defaultSuite() {
        return CACHE.computeIfAbsent(DEFAULT_SUITE, n -> merge(n, "all builtin corpora",
                BUILTIN.stream().map(b -> builtin(b).orElseThrow()).toList()));
    }

    /**
     * One corpus of all the cases of {@code parts} (ids must stay unique). Its digest is
     * {@code sha256} over the line {@code airlock-suite v1 <name>} followed by one line
     * {@code <part name> <part digest>} per part, so it changes exactly when a part changes.
     */
    public static Corpus merge(String name, String description, List<Corpus> parts) {
        List<CorpusCase> cases = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        StringBuilder manifest = new StringBuilder("airlock-suite v1 ").append(name).append('\n');
        for (Corpus p : parts) {
            manifest.append(p.name()).append(' ').append(p.digest()).append('\n');
            for (CorpusCase c : p.cases()) {
                if (!ids.add(c.id())) {
                    throw new IllegalArgumentException("case id '" + c.id() + "' appears in two corpora of " + name);
                }
                cases.add(c);
            }
        }
        return new Corpus(name, description, cases,
                CorpusReader.digest(manifest.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static Corpus load(String name) {
        String res = "/io/airlock/evaluator/engine/corpus/" + name + ".json";
        try (InputStream in = Corpora.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("builtin corpus missing from the jar: " + res);
            }
            byte[] b = in.readNBytes((int) CorpusReader.MAX_BYTES + 1);
            Corpus c = CorpusReader.parse(b, "builtin corpus " + name);
            if (!c.name().equals(name)) {
                throw new IllegalStateException("builtin corpus " + res + " is named " + c.name());
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SpecException e) {
            // a builtin corpus that fails the strict reader is a build defect, caught by the tests
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
