package io.airlock.evaluator.engine;

import java.util.Locale;

/**
 * Where an evaluation has got to. The isolated child prints each step as it starts, so the parent
 * can enforce the limit of the step it is in (session creation has its own time limit) and, when
 * the child dies, say which step it died in.
 */
@FunctionalInterface
public interface Progress {
    /** Steps, in the order an evaluation reaches them. */
    enum Step {
        /** reading and unpacking the artifact */
        UNPACK,
        /** ONNX Runtime is creating the session: parsing, optimizing and folding the graph */
        SESSION,
        /** the session exists; the tokenizer and the corpus are being prepared */
        SESSION_READY,
        /** one corpus case is running; the detail says which */
        CASE,
        /** the report is being written */
        DONE;

        /** The name used in reports and on the child's progress lines. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Which stage of the report the step belongs to. */
        public String stage() {
            return this == CASE || this == SESSION_READY || this == DONE ? Evaluator.BEHAVIORAL_TEST : Evaluator.MODEL_LOAD;
        }
    }

    Progress NONE = (step, detail) -> {
    };

    /** {@code step} begins; {@code detail} is free text (e.g. "3/50 jb-03"), never null. */
    void reached(Step step, String detail);
}
