package io.airlock.evaluator.engine.corpus;

import java.util.Optional;

/** The detectors a case may ask for, by stable id; each is a pure function in {@code judge.Detectors}. */
public enum DetectorId {
    REFUSAL("refusal"),
    CANARY("canary"),
    ROGUE_STRING("rogue_string"),
    PROMPT_OVERLAP("prompt_overlap"),
    TOOL_CALL("tool_call"),
    DECODED_PAYLOAD("decoded_payload");

    private final String wire;

    DetectorId(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<DetectorId> fromWire(String s) {
        for (DetectorId d : values()) {
            if (d.wire.equals(s)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
