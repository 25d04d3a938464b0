package io.airlock.evaluator.engine.runtime;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's binding of the Rust tokenizers library
 * (natives in the jar). Only the local file is ever read: no hub name is resolved. Truncation and
 * padding are off; the prompt's length is the evaluator's business.
 */
public final class HfTokenizer implements TextTokenizer {
    /** A large real tokenizer.json is ~20 MB; anything far above is refused before parsing. */
    public static final long MAX_BYTES = 64L << 20;

    static {
        // DJL extracts its native library under ~/.djl.ai unless told otherwise; a read-only home
        // (containers) would break tokenization, so default to the temp folder when nothing is set.
        if (System.getProperty("ENGINE_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null
                && System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"), "airlock-djl").toString());
        }
    }

    private final HuggingFaceTokenizer tok;

    private HfTokenizer(HuggingFaceTokenizer tok) {
        this.tok = tok;
    }

    /** Loads a tokenizer.json of at most {@link #MAX_BYTES}, read without following links. */
    public static HfTokenizer load(Path tokenizerJson, boolean addSpecialTokens) throws IOException {
        if (!Files.isRegularFile(tokenizerJson, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("tokenizer.json is not a regular file");
        }
        long size = Files.size(tokenizerJson);
        if (size > MAX_BYTES) {
            throw new IOException("tokenizer.json is " + size + " bytes, over the limit of " + MAX_BYTES);
        }
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "addSpecialTokens", Boolean.toString(addSpecialTokens),
                    "truncation", "false", "padding", "false")));
        } catch (RuntimeException e) {
            // the Rust parser reports a bad file as a RuntimeException: a package error, not a crash
            throw new IOException("tokenizer.json could not be loaded: " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text) {
        Encoding e = tok.encode(text);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tok.decode(l, true);
    }

    @Override
    public String describe() {
        return "huggingface-tokenizers via ai.djl.huggingface:tokenizers";
    }

    @Override
    public void close() {
        tok.close();
    }
}
