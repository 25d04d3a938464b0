package io.airlock.scanner.engine.format;

/** Honest GGUF and safetensors samples for tests outside this package. */
public final class GgufFixtures {
    private GgufFixtures() {
    }

    /** The honest model of {@link GgufValidatorTest}: metadata, tokens, a chat template, three tensors. */
    public static byte[] gguf() {
        return GgufValidatorTest.honest().bytes();
    }

    public static byte[] safetensors() {
        return SafetensorsBuilder.honest();
    }
}
