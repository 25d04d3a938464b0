package io.airlock.evaluator.engine.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inputs and outputs of a causal decoder exported with Hugging Face Optimum's names, found
 * from the session: {@code input_ids}, optional {@code attention_mask}, {@code position_ids} and
 * {@code use_cache_branch} (merged exports), {@code logits}, and per layer N optional
 * {@code past_key_values.N.key|value} inputs with {@code present.N.key|value} outputs. A model
 * with past inputs can run with the cache; any other input makes the model unsupported, since the
 * evaluator would have to invent its value.
 *
 * @param idType    INT64 or INT32, the element type of input_ids (and of mask and positions)
 * @param layers    the cache layers in index order; empty for a model without a cache
 * @param vocab      the logits' declared last dimension; 0 or less when symbolic
 * @param logitsType FLOAT, FLOAT16 or BFLOAT16
 */
public record DecoderIo(OnnxJavaType idType, boolean attentionMask, OnnxJavaType maskType, boolean positionIds,
                        OnnxJavaType positionType, boolean useCacheBranch, List<Layer> layers, long vocab,
                        OnnxJavaType logitsType) {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String USE_CACHE_BRANCH = "use_cache_branch";
    public static final String LOGITS = "logits";
    private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d{1,4})\\.(key|value)");

    /**
     * One layer's cache: past tensors in {@code [batch, heads, past, headDim]} layout.
     */
    public record Layer(int index, OnnxJavaType type, long keyHeads, long keyDim, long valueHeads, long valueDim) {
        public String pastKey() {
            return "past_key_values." + index + ".key";
        }

        public String pastValue() {
            return "past_key_values." + index + ".value";
        }

        public String presentKey() {
            return "present." + index + ".key";
        }

        public String presentValue() {
            return "present." + index + ".value";
        }
    }

    public DecoderIo {
        layers = List.copyOf(layers);
    }

    public boolean hasCache() {
        return !layers.isEmpty();
    }

    /** The outputs a cached step reads: logits and every layer's present key and value. */
    public Set<String> cacheOutputs() {
        Set<String> names = new LinkedHashSet<>();
        names.add(LOGITS);
        for (Layer l : layers) {
            names.add(l.presentKey());
            names.add(l.presentValue());
        }
        return names;
    }

    /**
     * Bytes a step over {@code feed} new tokens with {@code past} cached ones returns by the declared
     * shapes: logits {@code [1, feed, vocab]} (4 bytes each, the widest float type allowed) and, with
     * the cache, each layer's present key and value {@code [1, heads, past + feed, dim]}. A symbolic
     * vocabulary counts as 0 here; what the step really returned is checked by {@link #checkReturned}.
     * Saturates at {@link Long#MAX_VALUE}.
     */
    public long stepOutputBytes(int feed, int past, boolean cache) {
        try {
            long total = vocab > 0 ? Math.multiplyExact(Math.multiplyExact((long) feed, vocab), 4L) : 0;
            if (cache) {
                long tokens = (long) past + feed;
                for (Layer l : layers) {
                    long perToken = Math.addExact(Math.multiplyExact(l.keyHeads(), l.keyDim()),
                            Math.multiplyExact(l.valueHeads(), l.valueDim()));
                    total = Math.addExact(total, Math.multiplyExact(Math.multiplyExact(perToken, tokens), l.type().size));
                }
            }
            return total;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Checks what a step returned: the bytes of what decoding reads stay within {@code bound}, and
     * with the cache every present tensor is exactly {@code [1, heads, past + feed, dim]}. Returns
     * null when it is so, else what is wrong.
     */
    public String checkReturned(OrtSession.Result r, int feed, int past, boolean cache, long bound) throws OrtException {
        long total = bytes(r, LOGITS);
        if (cache) {
            for (Layer l : layers) {
                for (String name : List.of(l.presentKey(), l.presentValue())) {
                    long[] want = {1, name.endsWith("key") ? l.keyHeads() : l.valueHeads(), (long) past + feed,
                            name.endsWith("key") ? l.keyDim() : l.valueDim()};
                    long[] got = shape(r, name);
                    if (!Arrays.equals(want, got)) {
                        return name + " has shape " + Arrays.toString(got) + " where the cache allows " + Arrays.toString(want);
                    }
                    total = saturatingAdd(total, bytes(r, name));
                }
            }
        }
        return total > bound ? "the step returned " + total + " bytes, over the bound of " + bound : null;
    }

    private static long[] shape(OrtSession.Result r, String name) throws OrtException {
        if (!(r.get(name).orElseThrow(() -> new OrtException("the model returned no " + name)) instanceof OnnxTensor t)) {
            throw new OrtException(name + " is not a tensor");
        }
        return t.getInfo().getShape();
    }

    private static long bytes(OrtSession.Result r, String name) throws OrtException {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow(() -> new OrtException("the model returned no " + name));
        long n = Math.max(1, t.getInfo().type.size);
        for (long d : t.getInfo().getShape()) {
            n = d <= 0 ? 0 : n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    private static long saturatingAdd(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** "input_ids, attention_mask, 2 cache layers", for reports. */
    public String describe() {
        StringBuilder sb = new StringBuilder(INPUT_IDS);
        if (attentionMask) {
            sb.append(", ").append(ATTENTION_MASK);
        }
        if (positionIds) {
            sb.append(", ").append(POSITION_IDS);
        }
        if (useCacheBranch) {
            sb.append(", ").append(USE_CACHE_BRANCH);
        }
        sb.append(hasCache() ? ", " + layers.size() + " cache layer(s)" : ", no cache");
        return sb.toString();
    }

    /** Reads the session's inputs and outputs. */
    public static DecoderIo discover(OrtSession session) throws OrtException, UnsupportedModelException {
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        TensorInfo ids = tensor(in, INPUT_IDS, "input");
        if (ids == null) {
            throw new UnsupportedModelException("not a decoder: no input named input_ids (inputs: " + in.keySet() + ")");
        }
        OnnxJavaType idType = intType(ids, INPUT_IDS);
        TensorInfo logits = tensor(out, LOGITS, "output");
        if (logits == null) {
            throw new UnsupportedModelException("not a decoder: no output named logits (outputs: " + out.keySet() + ")");
        }
        if (logits.type != OnnxJavaType.FLOAT && logits.type != OnnxJavaType.FLOAT16 && logits.type != OnnxJavaType.BFLOAT16) {
            throw new UnsupportedModelException("logits of type " + logits.type + " (float, float16 or bfloat16 expected)");
        }
        long[] ls = logits.getShape();
        if (ls.length != 3) {
            throw new UnsupportedModelException("logits of rank " + ls.length + " ([batch, sequence, vocab] expected)");
        }
        TensorInfo mask = tensor(in, ATTENTION_MASK, "input");
        TensorInfo pos = tensor(in, POSITION_IDS, "input");
        TensorInfo branch = tensor(in, USE_CACHE_BRANCH, "input");
        if (branch != null && branch.type != OnnxJavaType.BOOL) {
            throw new UnsupportedModelException("use_cache_branch of type " + branch.type + " (bool expected)");
        }
        Map<Integer, TensorInfo[]> past = new TreeMap<>();
        for (String name : in.keySet()) {
            if (name.equals(INPUT_IDS) || name.equals(ATTENTION_MASK) || name.equals(POSITION_IDS)
                    || name.equals(USE_CACHE_BRANCH)) {
                continue;
            }
            Matcher m = PAST.matcher(name);
            if (!m.matches()) {
                throw new UnsupportedModelException("input '" + name + "' is not one the evaluator can feed "
                        + "(input_ids, attention_mask, position_ids, use_cache_branch, past_key_values.N.key|value)");
            }
            past.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TensorInfo[2])[m.group(2).equals("key") ? 0 : 1] =
                    tensor(in, name, "input");
        }
        List<Layer> layers = new ArrayList<>();
        int expect = 0;
        for (Map.Entry<Integer, TensorInfo[]> e : past.entrySet()) {
            int i = e.getKey();
            if (i != expect++) {
                throw new UnsupportedModelException("cache layers are not numbered 0.." + (past.size() - 1));
            }
            TensorInfo k = e.getValue()[0];
            TensorInfo v = e.getValue()[1];
            if (k == null || v == null) {
                throw new UnsupportedModelException("layer " + i + " has only one of past_key_values." + i + ".key|value");
            }
            if (k.type != v.type) {
                throw new UnsupportedModelException("layer " + i + ": key and value types differ");
            }
            for (String o : List.of("present." + i + ".key", "present." + i + ".value")) {
                if (!out.containsKey(o)) {
                    throw new UnsupportedModelException("input past_key_values." + i + " has no matching output " + o);
                }
            }
            long[] ks = layout(k, "past_key_values." + i + ".key");
            long[] vs = layout(v, "past_key_values." + i + ".value");
            layers.add(new Layer(i, k.type, ks[1], ks[3], vs[1], vs[3]));
        }
        if (branch != null && layers.isEmpty()) {
            throw new UnsupportedModelException("use_cache_branch without past_key_values inputs");
        }
        return new DecoderIo(idType, mask != null, mask == null ? idType : intType(mask, ATTENTION_MASK),
                pos != null, pos == null ? idType : intType(pos, POSITION_IDS), branch != null, layers, ls[2], logits.type);
    }

    private static long[] layout(TensorInfo t, String name) throws UnsupportedModelException {
        long[] s = t.getShape();
        if (s.length != 4 || s[1] <= 0 || s[3] <= 0) {
            throw new UnsupportedModelException(name + " has shape " + java.util.Arrays.toString(s)
                    + ": [batch, heads, past, head_dim] with fixed heads and head_dim expected");
        }
        return s;
    }

    private static OnnxJavaType intType(TensorInfo t, String name) throws UnsupportedModelException {
        if (t.type != OnnxJavaType.INT64 && t.type != OnnxJavaType.INT32) {
            throw new UnsupportedModelException(name + " of type " + t.type + " (int64 or int32 expected)");
        }
        long[] s = t.getShape();
        if (s.length != 2) {
            throw new UnsupportedModelException(name + " of rank " + s.length + " ([batch, sequence] expected)");
        }
        return t.type;
    }

    private static TensorInfo tensor(Map<String, NodeInfo> infos, String name, String what)
            throws UnsupportedModelException {
        NodeInfo n = infos.get(name);
        if (n == null) {
            return null;
        }
        if (!(n.getInfo() instanceof TensorInfo t)) {
            throw new UnsupportedModelException(what + " '" + name + "' is not a tensor");
        }
        return t;
    }
}
