package io.airlock.evaluator.engine.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.airlock.fixtures.onnx.ModelPackages;
import io.airlock.fixtures.onnx.TestDecoders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The generation loop against a plain reference decoder on the fixture models. The loop keeps its
 * input buffers across steps and prompts and has the runtime write the logits into a kept buffer;
 * the reference builds every tensor afresh from Java arrays, lets the runtime allocate every output
 * and copies the logits out, as the loop did before it reused anything. A stale, misplaced or
 * mis-sized byte in a reused buffer changes a token or fails a step, so the tokens must be equal.
 */
class GeneratorReferenceTest {
    static final int NEW_TOKENS = 12;
    static final int NEVER = 1_000_000;
    static OrtEnvironment env;
    @TempDir
    static Path dir;

    @BeforeAll
    static void env() {
        env = OrtEnvironment.getEnvironment();
    }

    static Stream<Arguments> models() throws Exception {
        return Stream.of(
                // a vocabulary of 4,005: a prompt of 1,100 tokens has logits over the pinned buffer's 16 MiB, so its
                // first step (and every uncached step) is copied out while the cached steps after it are pinned
                arguments("attention, vocabulary 4005, cache", TestDecoders.attention(11, 4005, 16, 4096, true), 4005),
                arguments("attention, vocabulary 97, cache", TestDecoders.attention(12, 97, 32, 4096, true), 97),
                arguments("attention, vocabulary 97, no cache", TestDecoders.attention(13, 97, 32, 4096, false), 97),
                arguments("scripted with a trigger, cache", Files.readAllBytes(
                        ModelPackages.triggered(dir.resolve("trig"), "override").resolve("model.onnx")), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void theLoopChoosesTheReferenceDecodersTokensAcrossPromptsOfEveryLength(String name, byte[] model, int vocab)
            throws Exception {
        Path f = Files.write(dir.resolve(name.replaceAll("[^a-z0-9]", "_") + ".onnx"), model);
        try (OrtSession s = ExecutionProviders.open(env, f, true, 0, 1, 1L << 30).session();
             Generator g = new Generator(env, s, DecoderIo.discover(s))) {
            int v = vocab > 0 ? vocab : Math.toIntExact(g.io().vocab());
            Random rnd = new Random(name.hashCode());
            // long, short, longer, single: every buffer grows, is reused shorter, grows again
            for (int length : new int[]{1100, 3, 60, 1, 1300}) {
                int[] prompt = rnd.ints(length, 2, v).toArray();
                for (boolean cache : new boolean[]{true, false}) {
                    Generation got = g.generate(prompt, new Generator.Limits(NEW_TOKENS, 4096, NEVER,
                            Duration.ofSeconds(60).toNanos(), Long.MAX_VALUE, cache));
                    int[] want = reference(s, g.io(), prompt, cache && g.io().hasCache());
                    assertThat(got.stop()).as("prompt of %d, cache %s: %s", length, cache, got.error())
                            .isEqualTo(Generation.StopReason.MAX_NEW_TOKENS);
                    assertThat(got.tokens()).as("prompt of %d, cache %s", length, cache).containsExactly(want);
                }
            }
        }
    }

    /** Greedy decoding with nothing kept between steps but the previous step's present tensors. */
    static int[] reference(OrtSession s, DecoderIo io, int[] prompt, boolean cache) throws Exception {
        List<Integer> seq = new ArrayList<>();
        for (int t : prompt) {
            seq.add(t);
        }
        int[] out = new int[NEW_TOKENS];
        OrtSession.Result prev = null;
        for (int n = 0; n < NEW_TOKENS; n++) {
            int past = cache && prev != null ? seq.size() - 1 : 0;
            List<Integer> feed = seq.subList(past, seq.size());
            Map<String, OnnxTensor> in = new HashMap<>();
            List<OnnxTensor> made = new ArrayList<>();
            long[] ids = feed.stream().mapToLong(Integer::longValue).toArray();
            long[] pos = new long[ids.length];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = past + i;
            }
            long[] mask = new long[past + ids.length];
            java.util.Arrays.fill(mask, 1);
            put(in, made, DecoderIo.INPUT_IDS, OnnxTensor.createTensor(env, new long[][]{ids}));
            if (io.attentionMask()) {
                put(in, made, DecoderIo.ATTENTION_MASK, OnnxTensor.createTensor(env, new long[][]{mask}));
            }
            if (io.positionIds()) {
                put(in, made, DecoderIo.POSITION_IDS, OnnxTensor.createTensor(env, new long[][]{pos}));
            }
            for (DecoderIo.Layer l : io.layers()) {
                if (prev == null) {
                    put(in, made, l.pastKey(), OnnxTensor.createTensor(env, FloatBuffer.allocate(0),
                            new long[]{1, l.keyHeads(), 0, l.keyDim()}));
                    put(in, made, l.pastValue(), OnnxTensor.createTensor(env, FloatBuffer.allocate(0),
                            new long[]{1, l.valueHeads(), 0, l.valueDim()}));
                } else {
                    in.put(l.pastKey(), (OnnxTensor) prev.get(l.presentKey()).orElseThrow());
                    in.put(l.pastValue(), (OnnxTensor) prev.get(l.presentValue()).orElseThrow());
                }
            }
            OrtSession.Result r = s.run(in);
            made.forEach(OnnxTensor::close);
            if (prev != null) {
                prev.close();
            }
            OnnxTensor logits = (OnnxTensor) r.get(DecoderIo.LOGITS).orElseThrow();
            long[] shape = logits.getInfo().getShape();
            float[] all = new float[logits.getFloatBuffer().remaining()];
            logits.getFloatBuffer().get(all);
            int vocab = Math.toIntExact(shape[2]);
            int base = Math.toIntExact((shape[1] - 1) * shape[2]);
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (all[base + i] > all[base + best]) {
                    best = i;
                }
            }
            out[n] = best;
            seq.add(best);
            if (cache && !io.layers().isEmpty()) {
                prev = r;
            } else {
                r.close();
            }
        }
        if (prev != null) {
            prev.close();
        }
        return out;
    }

    private static void put(Map<String, OnnxTensor> in, List<OnnxTensor> made, String name, OnnxTensor t) {
        in.put(name, t);
        made.add(t);
    }
}
