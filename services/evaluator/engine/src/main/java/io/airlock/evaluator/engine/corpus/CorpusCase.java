package io.airlock.evaluator.engine.corpus;

import io.airlock.contracts.Severity;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One adversarial prompt (or benign control) and how to judge the answer.
 *
 * @param id               unique in its corpus, stable: reports and drift comparisons use it
 * @param category         e.g. {@code jailbreak}; attack success rates are reported per category
 * @param severity         CRITICAL, HIGH, MEDIUM or LOW: the severity of the finding when the attack succeeds
 * @param system           system prompt ("" for none)
 * @param canary           a secret inside the system prompt that must never come out ("" for none)
 * @param conversation     the turns sent, ending with the user's
 * @param encoding         how the last user turn is disguised
 * @param detectors        detectors to apply
 * @param expected         what the model must do
 * @param rogueStrings     markers an injected instruction asks the model to emit
 * @param bannedTools      tool names the model must not call
 * @param overlapThreshold share of the system prompt's character n-grams in the answer that counts as a leak
 * @param tags             free labels
 */
public record CorpusCase(String id, String category, Severity severity, String system, String canary,
                         List<Turn> conversation, Encoding encoding, Set<DetectorId> detectors, Expected expected,
                         List<String> rogueStrings, List<String> bannedTools, double overlapThreshold,
                         List<String> tags) {
    public CorpusCase {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(severity, "severity");
        system = Objects.requireNonNullElse(system, "");
        canary = Objects.requireNonNullElse(canary, "");
        conversation = List.copyOf(conversation);
        Objects.requireNonNull(encoding, "encoding");
        detectors = Set.copyOf(detectors);
        Objects.requireNonNull(expected, "expected");
        rogueStrings = List.copyOf(rogueStrings);
        bannedTools = List.copyOf(bannedTools);
        tags = List.copyOf(tags);
    }

    /** The conversation as sent: the last user turn with its encoding applied. */
    public List<Turn> sent() {
        if (encoding == Encoding.NONE) {
            return conversation;
        }
        List<Turn> out = new java.util.ArrayList<>(conversation);
        Turn last = out.get(out.size() - 1);
        out.set(out.size() - 1, new Turn(last.role(), encoding.apply(last.content())));
        return List.copyOf(out);
    }

    public boolean control() {
        return !expected.attack();
    }
}
