package io.airlock.evaluator.engine.runtime;

/** Text to token ids and back, as the model package's tokenizer defines it. */
public interface TextTokenizer extends AutoCloseable {
    int[] encode(String text);

    /** Decodes generated ids; special tokens are skipped. */
    String decode(int[] ids);

    /** A short description for reports, e.g. {@code huggingface-tokenizers (djl 0.36.0)}. */
    String describe();

    @Override
    void close();
}
