package io.airlock.evaluator.engine.corpus;

import java.util.Objects;

/** One message of a conversation sent to a model. */
public record Turn(Role role, String content) {
    /** Who speaks. The system prompt is not a turn: it is a field of the case. */
    public enum Role {
        USER, ASSISTANT;

        public String wire() {
            return name().toLowerCase();
        }
    }

    public Turn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static Turn user(String content) {
        return new Turn(Role.USER, content);
    }
}
