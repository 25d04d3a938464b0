package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects one stage's findings, keeping at most a bound per rule so a hostile file cannot turn
 * the report into gigabytes; what is dropped is counted in one summary finding per rule, at the
 * highest severity dropped, so the verdict never changes because of the cap.
 */
final class Findings {
    private final String stage;
    private final int perRule;
    private final List<Finding> kept = new ArrayList<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, Severity> droppedWorst = new LinkedHashMap<>();

    Findings(String stage, int perRule) {
        this.stage = stage;
        this.perRule = perRule;
    }

    void add(String rule, Severity severity, String location, String message, String evidence) {
        int n = counts.merge(rule, 1, Integer::sum);
        if (n <= perRule) {
            kept.add(new Finding(rule, severity, stage, location, message, evidence));
        } else {
            droppedWorst.merge(rule, severity, (a, b) -> a.atLeast(b) ? a : b);
        }
    }

    /** An empty collector for the same stage and bound. */
    Findings scratch() {
        return new Findings(stage, perRule);
    }

    boolean any(String rule) {
        return counts.containsKey(rule);
    }

    List<Finding> list() {
        List<Finding> out = new ArrayList<>(kept);
        droppedWorst.forEach((rule, sev) -> out.add(new Finding(rule, sev, stage, "",
                (counts.get(rule) - perRule) + " more " + rule + " findings not listed", "")));
        return out;
    }

    /** "where, offset N", or "offset N" at the top level. */
    static String at(String where, long offset) {
        return where.isEmpty() ? "offset " + offset : where + ", offset " + offset;
    }
}
