package io.airlock.evaluator.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.airlock.evaluator.engine.corpus.Corpora;
import io.airlock.evaluator.engine.pkg.ModelConfig;
import io.airlock.evaluator.engine.run.RunReport;
import io.airlock.evaluator.engine.run.SuiteRunner;
import io.airlock.evaluator.engine.runtime.DecoderIo;
import io.airlock.evaluator.engine.runtime.ExecutionProviders;
import io.airlock.evaluator.engine.runtime.Generation;
import io.airlock.evaluator.engine.runtime.Generator;
import io.airlock.evaluator.engine.runtime.HfTokenizer;
import io.airlock.fixtures.onnx.ModelPackages;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Throughput of the generation loop on the CPU: the default suite against a random-weight
 * attention decoder (prompts/s, tokens/s, per-prompt latency, cached and uncached), and the
 * loop's overhead against bare {@code session.run} calls on the same inputs. Not a unit test:
 * run it by hand with the test classpath, {@code GenerationBench [dim] [extraWords] [tokens] [suites]}
 * ({@code suites} false: only the overhead, as {@code bench/genloop.sh} runs it).
 */
public final class GenerationBench {
    public static void main(String[] args) throws Exception {
        int dim = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int words = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        boolean suites = args.length <= 3 || Boolean.parseBoolean(args[3]);
        Path dir = Files.createTempDirectory("airlock-bench");
        Path pkg = ModelPackages.randomTransformer(dir.resolve("p"), 7, words, dim, tokens);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelConfig cfg = ModelConfig.parse(Files.readAllBytes(pkg.resolve("airlock-model.json")));
        try (OrtSession s = ExecutionProviders.open(env, pkg.resolve("model.onnx"), true, 0, 1, 1L << 30).session();
             HfTokenizer tok = HfTokenizer.load(pkg.resolve("tokenizer.json"), false);
             Generator g = new Generator(env, s, DecoderIo.discover(s))) {
            System.out.printf("model: vocab %d, dim %d, 1 attention layer, %d new tokens max, 1 intra-op thread%n",
                    words + 5, dim, tokens);
            for (boolean cache : suites ? new boolean[]{true, true, false} : new boolean[0]) {
                RunReport r = SuiteRunner.run(Corpora.defaultSuite(), cfg, tok, g, new SuiteRunner.Settings(tokens,
                        30_000_000_000L, Long.MAX_VALUE, cache, 3, 1L << 30), Map.of(), Progress.NONE);
                System.out.printf("suite %s: %d prompts in %d ms; %s prompts/s, %s tokens/s, latency %s ms, stops %s%n",
                        cache ? "kv-cache" : "no-cache", r.total(), r.durationMs(), r.environment().get("promptsPerSecond"),
                        r.environment().get("tokensPerSecond"), r.environment().get("promptLatencyMs"),
                        r.environment().get("stops"));
            }
            // loop overhead: the same cached decode as bare session.run calls (inputs built by hand)
            int[] prompt = tok.encode(cfg.render("", Corpora.defaultSuite().cases().get(0).sent()));
            Generator.Limits lim = new Generator.Limits(tokens, 4096, -1, 30_000_000_000L, Long.MAX_VALUE, true);
            for (int i = 0; i < 20; i++) {
                g.generate(prompt, lim);
            }
            // short interleaved rounds, the overhead taken within each round and its median reported: the machine is
            // shared, so the load drifts during a run and only neighbouring timings compare
            int rounds = 21;
            int reps = 5;
            long[] loop = new long[rounds];
            long[] bare = new long[rounds];
            long[] floor = new long[rounds];
            double[] overBare = new double[rounds];
            double[] overFloor = new double[rounds];
            int[] seq = g.generate(prompt, lim).tokens();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    g.generate(prompt, lim);
                }
                loop[r] = (System.nanoTime() - t0) / reps;
                t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    bare(env, s, prompt, seq, dim, true);
                }
                bare[r] = (System.nanoTime() - t0) / reps;
                t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    bare(env, s, prompt, seq, dim, false);
                }
                floor[r] = (System.nanoTime() - t0) / reps;
                overBare[r] = 100.0 * (loop[r] - bare[r]) / bare[r];
                overFloor[r] = 100.0 * (loop[r] - floor[r]) / floor[r];
            }
            System.out.printf("decode of %d prompt + %d tokens (medians of %d rounds x %d): generator %.2f ms; bare "
                    + "session.run copying the logits out %.2f ms, overhead %+.1f%%; bare not reading the logits %.2f "
                    + "ms, overhead %+.1f%%%n", prompt.length, seq.length, rounds, reps, median(loop) / 1e6,
                    median(bare) / 1e6, median(overBare), median(floor) / 1e6, median(overFloor));
        }
    }

    private static double median(long[] xs) {
        return median(java.util.Arrays.stream(xs).asDoubleStream().toArray());
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    /**
     * The same cached decode with hand-built inputs and no argmax, limits or timer; the logits copied out
     * (as any caller of the Java API that reads them without a pinned output does) or not read at all.
     */
    static void bare(OrtEnvironment env, OrtSession s, int[] prompt, int[] next, int dim, boolean readLogits)
            throws Exception {
        OrtSession.Result prev = null;
        int past = 0;
        long[] feed = new long[prompt.length];
        for (int i = 0; i < prompt.length; i++) {
            feed[i] = prompt[i];
        }
        for (int step = 0; step <= next.length; step++) {
            Map<String, OnnxTensor> in = new HashMap<>();
            long[] mask = new long[past + feed.length];
            java.util.Arrays.fill(mask, 1);
            long[] pos = new long[feed.length];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = past + i;
            }
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(feed), new long[]{1, feed.length}));
            in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[]{1, mask.length}));
            in.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[]{1, pos.length}));
            if (prev == null) {
                in.put("past_key_values.0.key", OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[]{1, 1, 0, dim}));
                in.put("past_key_values.0.value", OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[]{1, 1, 0, dim}));
            } else {
                in.put("past_key_values.0.key", (OnnxTensor) prev.get("present.0.key").orElseThrow());
                in.put("past_key_values.0.value", (OnnxTensor) prev.get("present.0.value").orElseThrow());
            }
            OrtSession.Result r = s.run(in);
            for (String k : new String[]{"input_ids", "attention_mask", "position_ids"}) {
                in.get(k).close();
            }
            if (prev == null) {
                in.get("past_key_values.0.key").close();
                in.get("past_key_values.0.value").close();
            } else {
                prev.close();
            }
            if (readLogits) {
                ((OnnxTensor) r.get("logits").orElseThrow()).getFloatBuffer();
            }
            prev = r;
            past += feed.length;
            if (step < next.length) {
                feed = new long[]{next[step]};
            }
        }
        prev.close();
    }
}
