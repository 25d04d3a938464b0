package io.airlock.evaluator.engine.testing;

import java.util.SplittableRandom;

import static io.airlock.evaluator.engine.testing.OnnxGraph.FLOAT;
import static io.airlock.evaluator.engine.testing.OnnxGraph.INT64;
import static io.airlock.evaluator.engine.testing.OnnxGraph.dims;
import static io.airlock.evaluator.engine.testing.OnnxGraph.intAttr;
import static io.airlock.evaluator.engine.testing.OnnxGraph.ints;

/**
 * Real ONNX decoders for tests, with Hugging Face Optimum's input and output names, each
 * exportable without a cache or with {@code past_key_values.0.*} inputs and {@code present.0.*}
 * outputs. Batch 1 is what the evaluator feeds; the batch dimension stays symbolic.
 */
public final class TestDecoders {
    private TestDecoders() {
    }

    /**
     * A scripted decoder: the next token's logits are {@code table[last token] + latch * bias},
     * where {@code latch} is 1 once any token with {@code trigger[t] = 1} has appeared in the
     * sequence (prompt or answer) and 0 before. With a cache, the latch history travels in the
     * past key tensor (Concat then ReduceMax over the sequence), so the cached and uncached
     * exports compute the same function of the whole sequence.
     *
     * @param table   [vocab][vocab] scores
     * @param trigger [vocab] 0 or 1
     * @param bias    [vocab] added once triggered
     */
    public static byte[] scripted(float[][] table, float[] trigger, float[] bias, boolean cache, boolean attentionMask) {
        int v = table.length;
        float[] flat = new float[v * v];
        for (int i = 0; i < v; i++) {
            System.arraycopy(table[i], 0, flat, i * v, v);
        }
        OnnxGraph g = new OnnxGraph(cache ? "scripted_kv" : "scripted")
                .floats("table", flat, v, v)
                .floats("trigger", trigger, v, 1)
                .floats("bias", bias, 1, v)
                .longs("axis1", new long[]{1}, 1)
                .input("input_ids", INT64, dims("batch_size", "sequence_length"));
        if (attentionMask) {
            g.input("attention_mask", INT64, dims("batch_size", "total_sequence_length"));
        }
        g.node("Gather", "table", "input_ids", "base")              // [b, s, v]
                .node("Gather", "trigger", "input_ids", "trig");    // [b, s, 1]
        if (cache) {
            g.input("past_key_values.0.key", FLOAT, dims("batch_size", 1L, "past_sequence_length", 1L))
                    .input("past_key_values.0.value", FLOAT, dims("batch_size", 1L, "past_sequence_length", 1L))
                    .node("Unsqueeze", "trig", "axis1", "trig4")     // [b, 1, s, 1]
                    .node("Concat", new String[]{"past_key_values.0.key", "trig4"}, new String[]{"present.0.key"},
                            intAttr("axis", 2))
                    .node("Concat", new String[]{"past_key_values.0.value", "trig4"}, new String[]{"present.0.value"},
                            intAttr("axis", 2))
                    .node("ReduceMax", "present.0.key", "latch4", ints("axes", 2), intAttr("keepdims", 1))
                    .node("Squeeze", "latch4", "axis1", "latch");    // [b, 1, 1]
        } else {
            g.node("ReduceMax", "trig", "latch", ints("axes", 1), intAttr("keepdims", 1)); // [b, 1, 1]
        }
        g.node("MatMul", "latch", "bias", "shift")                   // [b, 1, v]
                .node("Add", "base", "shift", "logits")
                .output("logits", FLOAT, dims("batch_size", "sequence_length", (long) v));
        if (cache) {
            g.output("present.0.key", FLOAT, dims("batch_size", 1L, "total_sequence_length", 1L))
                    .output("present.0.value", FLOAT, dims("batch_size", 1L, "total_sequence_length", 1L));
        }
        return g.model();
    }

    /**
     * One causal self-attention block with random weights (fixed by {@code seed}): token and
     * position embeddings, single-head attention over the cache plus the new tokens with a causal
     * mask and the attention mask, a residual connection and an output projection. Inputs
     * input_ids, attention_mask, position_ids (and the cache when {@code cache}).
     */
    public static byte[] attention(long seed, int vocab, int dim, int maxPositions, boolean cache) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float scale = (float) (1 / Math.sqrt(dim));
        OnnxGraph g = new OnnxGraph(cache ? "attention_kv" : "attention")
                .floats("emb", random(rnd, vocab * dim, 1f), vocab, dim)
                .floats("pos", random(rnd, maxPositions * dim, 0.5f), maxPositions, dim)
                .floats("wq", random(rnd, dim * dim, scale), dim, dim)
                .floats("wk", random(rnd, dim * dim, scale), dim, dim)
                .floats("wv", random(rnd, dim * dim, scale), dim, dim)
                .floats("wout", random(rnd, dim * vocab, scale), dim, vocab)
                .floats("inv_sqrt_d", new float[]{scale})
                .floats("neg", new float[]{-1e9f})
                .floats("zero_f", new float[]{0f})
                .floats("one_f", new float[]{1f})
                .longs("ax0", new long[]{0}, 1)
                .longs("ax1", new long[]{1}, 1)
                .longs("ax12", new long[]{1, 2}, 2)
                .longs("i1", new long[]{1})
                .longs("i2", new long[]{2})
                .longs("zero", new long[]{0})
                .longs("one", new long[]{1})
                .input("input_ids", INT64, dims("batch_size", "sequence_length"))
                .input("attention_mask", INT64, dims("batch_size", "total_sequence_length"))
                .input("position_ids", INT64, dims("batch_size", "sequence_length"))
                .node("Gather", "emb", "input_ids", "tok")                       // [b, s, d]
                .node("Gather", "pos", "position_ids", "posv")
                .node("Add", "tok", "posv", "h")
                .node("MatMul", "h", "wq", "q")
                .node("MatMul", "h", "wk", "k")
                .node("MatMul", "h", "wv", "v")
                .node("Unsqueeze", "q", "ax1", "q4")                             // [b, 1, s, d]
                .node("Unsqueeze", "k", "ax1", "k4")
                .node("Unsqueeze", "v", "ax1", "v4");
        String keys = "k4";
        String values = "v4";
        if (cache) {
            g.input("past_key_values.0.key", FLOAT, dims("batch_size", 1L, "past_sequence_length", (long) dim))
                    .input("past_key_values.0.value", FLOAT, dims("batch_size", 1L, "past_sequence_length", (long) dim))
                    .node("Concat", new String[]{"past_key_values.0.key", "k4"}, new String[]{"present.0.key"},
                            intAttr("axis", 2))
                    .node("Concat", new String[]{"past_key_values.0.value", "v4"}, new String[]{"present.0.value"},
                            intAttr("axis", 2));
            keys = "present.0.key";
            values = "present.0.value";
        }
        g.node("Transpose", new String[]{keys}, new String[]{"kt"}, ints("perm", 0, 1, 3, 2))   // [b, 1, d, t]
                .node("MatMul", "q4", "kt", "raw")                                              // [b, 1, s, t]
                .node("Mul", "raw", "inv_sqrt_d", "scores")
                // causal mask: query i (absolute position past + i) sees keys 0..past + i
                .node("Shape", keys, "kshape")
                .node("Gather", "kshape", "i2", "t_len")
                .node("Shape", "input_ids", "ishape")
                .node("Gather", "ishape", "i1", "s_len")
                .node("Sub", "t_len", "s_len", "p_len")
                .node("Range", new String[]{"p_len", "t_len", "one"}, new String[]{"rows"})
                .node("Range", new String[]{"zero", "t_len", "one"}, new String[]{"cols"})
                .node("Unsqueeze", "rows", "ax1", "rows2")                                      // [s, 1]
                .node("Unsqueeze", "cols", "ax0", "cols2")                                      // [1, t]
                .node("Greater", "cols2", "rows2", "future")
                .node("Where", new String[]{"future", "neg", "zero_f"}, new String[]{"causal"}) // [s, t]
                // padding mask from attention_mask: 0 where masked out
                .node("Cast", new String[]{"attention_mask"}, new String[]{"am_f"}, intAttr("to", FLOAT))
                .node("Sub", "one_f", "am_f", "am_inv")
                .node("Mul", "am_inv", "neg", "am_neg")                                         // [b, t]
                .node("Unsqueeze", "am_neg", "ax12", "am4")                                     // [b, 1, 1, t]
                .node("Add", "scores", "causal", "s1")
                .node("Add", "s1", "am4", "s2")
                .node("Softmax", new String[]{"s2"}, new String[]{"p"}, intAttr("axis", -1))
                .node("MatMul", "p", values, "o4")                                              // [b, 1, s, d]
                .node("Squeeze", "o4", "ax1", "o")
                .node("Add", "h", "o", "h2")
                .node("MatMul", "h2", "wout", "logits")
                .output("logits", FLOAT, dims("batch_size", "sequence_length", (long) vocab));
        if (cache) {
            g.output("present.0.key", FLOAT, dims("batch_size", 1L, "total_sequence_length", (long) dim))
                    .output("present.0.value", FLOAT, dims("batch_size", 1L, "total_sequence_length", (long) dim));
        }
        return g.model();
    }

    /**
     * A decoder whose every step is slow: {@code nodes} chained [size x size] matrix products that
     * depend on the input (so no optimizer folds them away), then logits from the last token's
     * scripted table. Used to prove that a time limit interrupts a single running step.
     */
    public static byte[] slow(float[][] table, int size, int nodes) {
        int v = table.length;
        float[] flat = new float[v * v];
        for (int i = 0; i < v; i++) {
            System.arraycopy(table[i], 0, flat, i * v, v);
        }
        float[] w = new float[size * size];
        for (int i = 0; i < size; i++) {
            w[i * size + i] = 0.5f;
        }
        OnnxGraph g = new OnnxGraph("slow")
                .floats("table", flat, v, v)
                .floats("w", w, size, size)
                .floats("zero_f", new float[]{0f})
                .input("input_ids", INT64, dims("batch_size", "sequence_length"))
                .node("Gather", "table", "input_ids", "base")
                .node("ReduceSum", new String[]{"input_ids"}, new String[]{"sum"}, intAttr("keepdims", 0))
                .node("Cast", new String[]{"sum"}, new String[]{"sum_f"}, intAttr("to", FLOAT))
                .node("Add", "w", "sum_f", "x0");
        String x = "x0";
        for (int i = 1; i <= nodes; i++) {
            g.node("MatMul", x, "w", "x" + i);
            x = "x" + i;
        }
        g.node("ReduceSum", new String[]{x}, new String[]{"tail"}, intAttr("keepdims", 0))
                .node("Mul", "tail", "zero_f", "nothing")
                .node("Add", "base", "nothing", "logits")
                .output("logits", FLOAT, dims("batch_size", "sequence_length", (long) v));
        return g.model();
    }

    /**
     * A refusing decoder whose load folds gigabytes of constants: {@code copies} outer products of two
     * constant {@code n}-vectors ({@code n x n} floats each, 4n² bytes) summed into a value the logits
     * add at zero weight. The file is a few kilobytes; ONNX Runtime's constant folding computes every
     * product while it creates the session (n 8192, 4 copies: about 2.4 GB and 20 s here).
     */
    public static byte[] foldingConstants(float[][] table, int n, int copies) {
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        OnnxGraph g = scriptedBase("folding", table)
                .floats("col", ones, n, 1)
                .floats("row", ones, 1, n)
                .floats("zero_f", new float[]{0f});
        String acc = null;
        for (int i = 0; i < copies; i++) {
            g.floats("s" + i, new float[]{i + 1f})
                    .node("MatMul", "col", "row", "outer" + i)
                    .node("Mul", "outer" + i, "s" + i, "scaled" + i);
            if (acc == null) {
                acc = "scaled" + i;
            } else {
                g.node("Add", acc, "scaled" + i, "sum" + i);
                acc = "sum" + i;
            }
        }
        return g.node("ReduceSum", new String[]{acc}, new String[]{"total"}, intAttr("keepdims", 0))
                .node("Mul", "total", "zero_f", "nothing")
                .node("Add", "base", "nothing", "logits")
                .output("logits", FLOAT, dims("batch_size", "sequence_length", (long) table.length))
                .model();
    }

    /**
     * A decoder that declares logits of {@code [batch, sequence, vocab]} with a huge vocab and would
     * really return them (zeros, expanded to that shape): one step over a short prompt asks the
     * runtime for gigabytes.
     */
    public static byte[] hugeLogits(long vocab) {
        return new OnnxGraph("huge_logits")
                .floats("zero_f", new float[]{0f})
                .longs("vocab", new long[]{vocab}, 1)
                .input("input_ids", INT64, dims("batch_size", "sequence_length"))
                .node("Shape", "input_ids", "ids_shape")
                .node("Concat", new String[]{"ids_shape", "vocab"}, new String[]{"logits_shape"}, intAttr("axis", 0))
                .node("Expand", "zero_f", "logits_shape", "logits")
                .output("logits", FLOAT, dims("batch_size", "sequence_length", vocab))
                .model();
    }

    /**
     * A scripted refusing decoder with a cache that declares the usual {@code [batch, 1, total, 1]}
     * presents but returns its past twice plus the new tokens: the cache doubles every step, which
     * declared shapes alone would never show.
     */
    public static byte[] inflatingCache(float[][] table) {
        return scriptedBase("inflating_kv", table)
                .floats("one_f", new float[]{1f})
                .longs("axis1", new long[]{1}, 1)
                .input("past_key_values.0.key", FLOAT, dims("batch_size", 1L, "past_sequence_length", 1L))
                .input("past_key_values.0.value", FLOAT, dims("batch_size", 1L, "past_sequence_length", 1L))
                .node("Shape", "input_ids", "ids_shape")
                .node("Expand", "one_f", "ids_shape", "ones")                      // [b, s]
                .node("Unsqueeze", "ones", "axis1", "ones3")                         // [b, 1, s]
                .node("Unsqueeze", new String[]{"ones3", "axis3"}, new String[]{"new4"}) // [b, 1, s, 1]
                .longs("axis3", new long[]{3}, 1)
                .node("Concat", new String[]{"past_key_values.0.key", "past_key_values.0.key", "new4"},
                        new String[]{"present.0.key"}, intAttr("axis", 2))
                .node("Concat", new String[]{"past_key_values.0.value", "past_key_values.0.value", "new4"},
                        new String[]{"present.0.value"}, intAttr("axis", 2))
                .node("Identity", "base", "logits")
                .output("logits", FLOAT, dims("batch_size", "sequence_length", (long) table.length))
                .output("present.0.key", FLOAT, dims("batch_size", 1L, "total_sequence_length", 1L))
                .output("present.0.value", FLOAT, dims("batch_size", 1L, "total_sequence_length", 1L))
                .model();
    }

    /** input_ids and {@code base = table[input_ids]}, the scores of the next token after each one. */
    private static OnnxGraph scriptedBase(String name, float[][] table) {
        int v = table.length;
        float[] flat = new float[v * v];
        for (int i = 0; i < v; i++) {
            System.arraycopy(table[i], 0, flat, i * v, v);
        }
        return new OnnxGraph(name)
                .floats("table", flat, v, v)
                .input("input_ids", INT64, dims("batch_size", "sequence_length"))
                .node("Gather", "table", "input_ids", "base");
    }

    private static float[] random(SplittableRandom rnd, int n, float scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            // a sum of uniforms: roughly normal, reproducible across JVMs
            double s = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 1.5;
            out[i] = (float) (s * 2 * scale);
        }
        return out;
    }
}
