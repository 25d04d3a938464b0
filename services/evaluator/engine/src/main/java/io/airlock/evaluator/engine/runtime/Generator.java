package io.airlock.evaluator.engine.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Greedy decoding (argmax, lowest id on ties) of a batch-1 decoder, with or without its key/value
 * cache. Without the cache each step feeds the whole sequence (a cache-capable model gets empty
 * past tensors); with it, the first step feeds the prompt and each later step only the new token
 * plus the previous step's {@code present.*} tensors. Both produce the same tokens.
 *
 * <p>Time limits really interrupt the runtime: a timer thread sets the run's
 * {@code RunOptions.setTerminate(true)}, which ONNX Runtime checks between operators, so even a
 * single very slow step stops near its deadline. Not thread-safe: one generation at a time.
 *
 * <p>Per step the loop allocates no tensor data of its own: token ids, attention mask and positions
 * are written into direct buffers kept across steps and prompts (the runtime reads them in place),
 * the logits are written by the runtime into a kept direct buffer (a pinned output) of which only
 * the last position is read, and each step's {@code present.*} tensors are fed as they are to the
 * next step as its {@code past_key_values.*}. Only the present tensors are allocated by the runtime
 * each step: their length grows by one token per step, so no fixed buffer can hold them.
 */
public final class Generator implements AutoCloseable {
    /**
     * Logits are written into a kept buffer up to this size (a prompt of 1,000 tokens over a
     * vocabulary of 4,000, one token over one of 4 million); a larger step's logits are copied out
     * as before, so the buffer, which lives as long as the generator, stays small.
     */
    static final long PINNED_LOGITS_MAX_BYTES = 16L << 20;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final DecoderIo io;
    private final ScheduledExecutorService timer;
    /** The cached step's outputs other than logits, which are pinned when they fit. */
    private final Set<String> presents;
    private ByteBuffer ids = direct(0);
    private ByteBuffer mask = direct(0);
    private ByteBuffer positions = direct(0);
    private ByteBuffer logits = direct(0);

    public Generator(OrtEnvironment env, OrtSession session, DecoderIo io) {
        this.env = Objects.requireNonNull(env);
        this.session = Objects.requireNonNull(session);
        this.io = Objects.requireNonNull(io);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "airlock-eval-terminator");
            t.setDaemon(true);
            return t;
        });
        Set<String> p = new LinkedHashSet<>(io.cacheOutputs());
        p.remove(DecoderIo.LOGITS);
        this.presents = Set.copyOf(p);
    }

    /**
     * Limits of one generation.
     *
     * @param maxNewTokens       tokens to generate at most
     * @param contextLength      prompt plus answer at most
     * @param eosTokenId         stops generation when chosen
     * @param timeoutNanos       this prompt's wall-clock limit
     * @param runDeadlineNanos   {@link System#nanoTime()} when the whole run must stop (Long.MAX_VALUE: none)
     * @param useCache           use the key/value cache when the model has one
     * @param maxStepOutputBytes bytes one step may return (logits plus cache), checked before and after each step
     */
    public record Limits(int maxNewTokens, int contextLength, int eosTokenId, long timeoutNanos, long runDeadlineNanos,
                         boolean useCache, long maxStepOutputBytes) {
        /** Limits with the default output bound of {@link io.airlock.evaluator.engine.EvalOptions#defaults()}. */
        public Limits(int maxNewTokens, int contextLength, int eosTokenId, long timeoutNanos, long runDeadlineNanos,
                      boolean useCache) {
            this(maxNewTokens, contextLength, eosTokenId, timeoutNanos, runDeadlineNanos, useCache, 1L << 30);
        }
    }

    public DecoderIo io() {
        return io;
    }

    /** Generates greedily from {@code prompt} under {@code limits}; runtime failures come back as ERROR. */
    public Generation generate(int[] prompt, Limits limits) {
        long t0 = System.nanoTime();
        // budgets are durations from t0, so a "no deadline" Long.MAX_VALUE never overflows a comparison
        long runLeft = limits.runDeadlineNanos() == Long.MAX_VALUE ? Long.MAX_VALUE : limits.runDeadlineNanos() - t0;
        long budget = Math.max(0, Math.min(limits.timeoutNanos(), runLeft));
        Generation.StopReason onTime = runLeft < limits.timeoutNanos()
                ? Generation.StopReason.RUN_DEADLINE : Generation.StopReason.TIMEOUT;
        List<Integer> out = new ArrayList<>();
        if (prompt.length == 0) {
            return new Generation(new int[0], Generation.StopReason.ERROR, 0, 0, 0, 0, "empty prompt");
        }
        boolean cache = limits.useCache() && io.hasCache();
        Terminator term = null;
        int steps = 0;
        long first = 0;
        OrtSession.Result prev = null;
        try (OrtSession.RunOptions ro = new OrtSession.RunOptions()) {
            term = new Terminator(ro);
            term.future = timer.schedule(term, budget, TimeUnit.NANOSECONDS);
            int past = 0;
            int[] feed = prompt;
            while (true) {
                int total = prompt.length + out.size();
                if (out.size() >= limits.maxNewTokens()) {
                    return done(out, Generation.StopReason.MAX_NEW_TOKENS, prompt, first, t0, steps, "");
                }
                if (total >= limits.contextLength()) {
                    return done(out, Generation.StopReason.CONTEXT_FULL, prompt, first, t0, steps, "");
                }
                if (System.nanoTime() - t0 >= budget) {
                    return done(out, onTime, prompt, first, t0, steps, "");
                }
                if (!cache) {
                    feed = concat(prompt, out);
                    past = 0;
                }
                // the outputs' size follows from the declared shapes: refuse a step before it allocates them
                long declared = io.stepOutputBytes(feed.length, past, cache);
                if (declared > limits.maxStepOutputBytes()) {
                    return done(out, Generation.StopReason.OUTPUT_BOUND, prompt, first, t0, steps, "a step over "
                            + feed.length + " token(s) with " + past + " cached would return " + declared
                            + " bytes by the declared shapes, over the bound of " + limits.maxStepOutputBytes());
                }
                OrtSession.Result r;
                int next;
                // inputs and the pinned logits live for this step only: their buffers are rewritten by the next one
                List<OnnxTensor> owned = new ArrayList<>();
                OnnxTensor pinned = null;
                try {
                    try {
                        Map<String, OnnxTensor> in = inputs(feed, past, prev, owned);
                        pinned = pinnedLogits(feed.length, owned);
                        // only what decoding reads: any other output the graph declares is never computed
                        r = pinned == null
                                ? session.run(in, cache ? io.cacheOutputs() : Set.of(DecoderIo.LOGITS), ro)
                                : session.run(in, cache ? presents : Set.of(), Map.of(DecoderIo.LOGITS, pinned), ro);
                    } catch (OrtException e) {
                        Generation.StopReason why = System.nanoTime() - t0 >= budget || term.fired
                                ? onTime : Generation.StopReason.ERROR;
                        return done(out, why, prompt, first, t0, steps, why == Generation.StopReason.ERROR
                                ? String.valueOf(e.getMessage()) : "");
                    }
                    steps++;
                    // the previous step's present tensors were this step's past: release them now
                    if (prev != null) {
                        prev.close();
                        prev = null;
                    }
                    // declared shapes are only promises: what came back must fit the bound and the cache may grow
                    // by exactly the tokens fed (a model that inflates its cache would otherwise double it every step)
                    String over = io.checkReturned(r, feed.length, past, cache, limits.maxStepOutputBytes());
                    if (over != null) {
                        r.close();
                        return done(out, Generation.StopReason.OUTPUT_BOUND, prompt, first, t0, steps, over);
                    }
                    try {
                        next = pinned != null ? argmaxLast(logits, feed.length, io.vocab()) : argmaxLast(r);
                    } catch (OrtException | IllegalStateException e) {
                        r.close();
                        return done(out, Generation.StopReason.ERROR, prompt, first, t0, steps, e.getMessage());
                    }
                } finally {
                    owned.forEach(OnnxTensor::close);
                }
                if (cache) {
                    prev = r;
                    past += feed.length;
                    feed = new int[]{next};
                } else {
                    r.close();
                }
                if (first == 0) {
                    first = System.nanoTime() - t0;
                }
                if (next == limits.eosTokenId()) {
                    return done(out, Generation.StopReason.EOS, prompt, first, t0, steps, "");
                }
                out.add(next);
            }
        } catch (OrtException e) {
            return done(out, Generation.StopReason.ERROR, prompt, first, t0, steps, String.valueOf(e.getMessage()));
        } finally {
            if (prev != null) {
                prev.close();
            }
            if (term != null) {
                term.disarm();
            }
        }
    }

    /**
     * Sets terminate on the run options at the deadline. It must never touch options already
     * closed (native memory): disarm() and the timer synchronize on the same lock.
     */
    private static final class Terminator implements Runnable {
        private final OrtSession.RunOptions ro;
        private boolean closed;
        volatile boolean fired;
        ScheduledFuture<?> future;

        Terminator(OrtSession.RunOptions ro) {
            this.ro = ro;
        }

        @Override
        public synchronized void run() {
            if (closed) {
                return;
            }
            try {
                ro.setTerminate(true);
                fired = true;
            } catch (OrtException e) {
                // cannot happen on live options; the step's own deadline check still stops the loop
            }
        }

        synchronized void disarm() {
            closed = true;
            if (future != null) {
                future.cancel(false);
            }
        }
    }

    private Map<String, OnnxTensor> inputs(int[] feed, int past, OrtSession.Result prev, List<OnnxTensor> owned)
            throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        OnnxJavaType idType = io.idType();
        ids = fit(ids, (long) feed.length * idType.size);
        for (int i = 0; i < feed.length; i++) {
            putInt(ids, idType, i, feed[i]);
        }
        in.put(DecoderIo.INPUT_IDS, own(owned, tensor(ids, idType, new long[]{1, feed.length})));
        if (io.attentionMask()) {
            int n = past + feed.length;
            if (mask.capacity() < (long) n * io.maskType().size) {
                // all ones, whatever its length: written once when the buffer grows
                mask = fit(mask, (long) n * io.maskType().size);
                for (int i = 0; i < mask.capacity() / io.maskType().size; i++) {
                    putInt(mask, io.maskType(), i, 1);
                }
            }
            in.put(DecoderIo.ATTENTION_MASK, own(owned, tensor(mask, io.maskType(), new long[]{1, n})));
        }
        if (io.positionIds()) {
            positions = fit(positions, (long) feed.length * io.positionType().size);
            for (int i = 0; i < feed.length; i++) {
                putInt(positions, io.positionType(), i, past + i);
            }
            in.put(DecoderIo.POSITION_IDS, own(owned, tensor(positions, io.positionType(), new long[]{1, feed.length})));
        }
        if (io.useCacheBranch()) {
            in.put(DecoderIo.USE_CACHE_BRANCH, own(owned, OnnxTensor.createTensor(env, new boolean[]{prev != null})));
        }
        for (DecoderIo.Layer l : io.layers()) {
            if (prev == null) {
                in.put(l.pastKey(), own(owned, empty(l.type(), l.keyHeads(), l.keyDim())));
                in.put(l.pastValue(), own(owned, empty(l.type(), l.valueHeads(), l.valueDim())));
            } else {
                in.put(l.pastKey(), present(prev, l.presentKey()));
                in.put(l.pastValue(), present(prev, l.presentValue()));
            }
        }
        return in;
    }

    private static OnnxTensor present(OrtSession.Result r, String name) throws OrtException {
        OnnxValue v = r.get(name).orElseThrow(() -> new OrtException("the model returned no " + name));
        if (!(v instanceof OnnxTensor t)) {
            throw new OrtException(name + " is not a tensor");
        }
        return t;
    }

    /**
     * The logits tensor the runtime writes this step's {@code [1, feed, vocab]} floats into, over the
     * kept buffer; null (the runtime allocates them and they are copied out) when the logits are not
     * float, their vocabulary is not declared, or they are larger than {@link #PINNED_LOGITS_MAX_BYTES}.
     * Called only after the step's declared output bytes passed the bound, so the bound caps the buffer too.
     */
    private OnnxTensor pinnedLogits(int feed, List<OnnxTensor> owned) throws OrtException {
        if (io.logitsType() != OnnxJavaType.FLOAT || io.vocab() <= 0
                || (long) feed * io.vocab() > PINNED_LOGITS_MAX_BYTES / Float.BYTES) {
            return null;
        }
        logits = fit(logits, (long) feed * io.vocab() * Float.BYTES);
        return own(owned, tensor(logits, OnnxJavaType.FLOAT, new long[]{1, feed, io.vocab()}));
    }

    /** A tensor over the first elements of {@code buffer}, read or written by the runtime in place. */
    private OnnxTensor tensor(ByteBuffer buffer, OnnxJavaType type, long[] shape) throws OrtException {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer view = buffer.duplicate().order(ByteOrder.nativeOrder());
        view.position(0).limit(Math.toIntExact(n * type.size));
        return OnnxTensor.createTensor(env, view, shape, type);
    }

    /** {@code buffer} when it holds {@code bytes}, else a larger direct one (grown by half, never shrunk). */
    private static ByteBuffer fit(ByteBuffer buffer, long bytes) {
        if (buffer.capacity() >= bytes) {
            return buffer;
        }
        return direct(Math.toIntExact(Math.max(bytes, Math.min(Integer.MAX_VALUE, buffer.capacity() * 3L / 2))));
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /** Writes element {@code i} of an INT32 or INT64 buffer. */
    private static void putInt(ByteBuffer buffer, OnnxJavaType type, int i, int value) {
        if (type == OnnxJavaType.INT32) {
            buffer.putInt(i * Integer.BYTES, value);
        } else {
            buffer.putLong(i * Long.BYTES, value);
        }
    }

    /** A [1, heads, 0, dim] tensor: the past of a sequence that has none yet. */
    private OnnxTensor empty(OnnxJavaType type, long heads, long dim) throws OrtException {
        long[] shape = {1, heads, 0, dim};
        if (type == OnnxJavaType.FLOAT) {
            return OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
        }
        return OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()), shape, type);
    }

    private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor t) {
        owned.add(t);
        return t;
    }

    /** The argmax of the last position's logits; NaN never wins, ties go to the lowest id. */
    private static int argmaxLast(OrtSession.Result r) throws OrtException {
        OnnxValue v = r.get(DecoderIo.LOGITS).orElseThrow(() -> new OrtException("the model returned no logits"));
        if (!(v instanceof OnnxTensor t)) {
            throw new OrtException("logits is not a tensor");
        }
        long[] shape = t.getInfo().getShape();
        if (shape.length != 3 || shape[0] != 1 || shape[1] < 1 || shape[2] < 1) {
            throw new IllegalStateException("logits of shape " + java.util.Arrays.toString(shape)
                    + " ([1, sequence, vocab] expected)");
        }
        FloatBuffer fb = t.getFloatBuffer();
        if (fb == null) {
            throw new IllegalStateException("logits of type " + t.getInfo().type + " cannot be read as floats");
        }
        return argmax(fb, Math.toIntExact((shape[1] - 1) * shape[2]), Math.toIntExact(shape[2]));
    }

    /** The argmax of the last of {@code positions} rows of pinned logits, read in place. */
    private static int argmaxLast(ByteBuffer logits, int positions, long vocab) {
        return argmax(logits.asFloatBuffer(), Math.toIntExact((positions - 1) * vocab), Math.toIntExact(vocab));
    }

    /** The argmax of {@code vocab} floats from {@code base}; NaN never wins, ties go to the lowest id. */
    private static int argmax(FloatBuffer fb, int base, int vocab) {
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float x = fb.get(base + i);
            if (!Float.isNaN(x) && (best < 0 || x > bestV)) {
                best = i;
                bestV = x;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("the logits are all NaN");
        }
        return best;
    }

    private static int[] concat(int[] prompt, List<Integer> out) {
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + out.size());
        for (int i = 0; i < out.size(); i++) {
            all[prompt.length + i] = out.get(i);
        }
        return all;
    }

    private static Generation done(List<Integer> out, Generation.StopReason stop, int[] prompt, long first, long t0,
                                   int steps, String error) {
        int[] toks = out.stream().mapToInt(Integer::intValue).toArray();
        return new Generation(toks, stop, prompt.length, first, System.nanoTime() - t0, steps, error);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
