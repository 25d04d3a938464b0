package io.airlock.evaluator.engine.runtime;

import java.util.Objects;

/**
 * What one greedy generation produced.
 *
 * @param tokens          generated ids, the end-of-sequence token excluded
 * @param stop            why it stopped
 * @param promptTokens    length of the encoded prompt
 * @param firstTokenNanos time to the first generated token (0 when none)
 * @param totalNanos      wall-clock time of the whole generation
 * @param steps           session runs made
 * @param error           the runtime's message when {@code stop} is ERROR ("" otherwise)
 */
public record Generation(int[] tokens, StopReason stop, int promptTokens, long firstTokenNanos, long totalNanos,
                         int steps, String error) {
    /** Why generation stopped. */
    public enum StopReason {
        /** the model chose the end-of-sequence token */
        EOS,
        /** the token limit was reached */
        MAX_NEW_TOKENS,
        /** prompt plus answer filled the context */
        CONTEXT_FULL,
        /** the per-prompt wall-clock limit interrupted it */
        TIMEOUT,
        /** the whole run's wall-clock limit interrupted it */
        RUN_DEADLINE,
        /** a step's outputs would exceed, or did exceed, their bound in bytes, or the cache grew otherwise than declared */
        OUTPUT_BOUND,
        /** the runtime failed */
        ERROR;

        public String wire() {
            return name().toLowerCase();
        }
    }

    public Generation {
        tokens = tokens.clone();
        Objects.requireNonNull(stop, "stop");
        error = Objects.requireNonNullElse(error, "");
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** Stopped by a limit of time, before it would have ended on its own. */
    public boolean interrupted() {
        return stop == StopReason.TIMEOUT || stop == StopReason.RUN_DEADLINE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation g && java.util.Arrays.equals(tokens, g.tokens) && stop == g.stop
                && promptTokens == g.promptTokens && firstTokenNanos == g.firstTokenNanos && totalNanos == g.totalNanos
                && steps == g.steps && error.equals(g.error);
    }

    @Override
    public int hashCode() {
        return Objects.hash(java.util.Arrays.hashCode(tokens), stop, promptTokens, totalNanos, steps);
    }

    @Override
    public String toString() {
        return "Generation[" + tokens.length + " tokens, " + stop.wire() + ", " + totalNanos / 1_000_000 + " ms]";
    }
}
