package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.scanner.engine.analysis.WeightStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Weight statistics of GGUF and safetensors tensors, end to end through the engine: trained-looking
 * weights pass in every float encoding; NaN, random bytes posing as weights, outliers, constant and
 * zeroed matrices are found; tiny tensors and quantized ones are said to be unjudged, never passed.
 */
class WeightStatsTest {
    @TempDir
    Path dir;

    /** One tensor to write: name, dtype, shape and its values already encoded. */
    record T(String name, String dtype, long[] shape, byte[] data) {
    }

    static T floats(String name, WeightStats.DType dtype, long[] shape, double[] values) {
        int width = dtype == WeightStats.DType.F32 ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            float f = (float) v;
            switch (dtype) {
                case F32 -> b.putFloat(f);
                case BF16 -> b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
                case F16 -> b.putShort(toHalf(f));
            }
        }
        return new T(name, dtype.name(), shape, b.array());
    }

    /** float to IEEE binary16, round toward zero: enough for test weights (NaN and infinity kept). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff);
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            return (short) (sign | ((mant | 0x800000) >> (14 - e)));
        }
        return (short) (sign | e << 10 | mant >> 13);
    }

    static double[] gaussian(int n, double std, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * std;
        }
        return v;
    }

    static final long[] MATRIX = {128, 128};
    static final int N = 128 * 128;

    /** A safetensors file: header padded to 8 bytes, tensors contiguous in order. */
    static byte[] safetensors(T... tensors) {
        StringBuilder h = new StringBuilder("{");
        long at = 0;
        for (T t : tensors) {
            if (h.length() > 1) {
                h.append(',');
            }
            h.append('"').append(t.name).append("\":{\"dtype\":\"").append(t.dtype).append("\",\"shape\":")
                    .append(java.util.Arrays.toString(t.shape).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(at).append(',').append(at + t.data.length).append("]}");
            at += t.data.length;
        }
        h.append('}');
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length()).array());
        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
        for (T t : tensors) {
            out.writeBytes(t.data);
        }
        return out.toByteArray();
    }

    /** A GGUF v3 file with no metadata: tensor infos, then data aligned to 32 (sizes here are multiples of 32). */
    static byte[] gguf(T... tensors) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(tensors.length).putLong(0);
        long at = 0;
        for (T t : tensors) {
            byte[] name = t.name.getBytes(StandardCharsets.UTF_8);
            b.putLong(name.length).put(name).putInt(t.shape.length);
            for (int i = t.shape.length - 1; i >= 0; i--) {
                b.putLong(t.shape[i]); // GGUF lists the fastest-varying dimension first
            }
            b.putInt(switch (t.dtype) {
                case "F32" -> 0;
                case "F16" -> 1;
                case "BF16" -> 30;
                case "I8" -> 24;
                default -> throw new IllegalArgumentException(t.dtype);
            });
            b.putLong(at);
            assertThat(t.data.length % 32).isZero();
            at += t.data.length;
        }
        while (b.position() % 32 != 0) {
            b.put((byte) 0);
        }
        for (T t : tensors) {
            b.put(t.data);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    ScanReport scan(byte[] file) throws IOException {
        return scan(file, ScanOptions.defaults(Kind.MODEL));
    }

    ScanReport scan(byte[] file, ScanOptions opts) throws IOException {
        Path f = Files.write(dir.resolve("model.bin"), file);
        return new ScanEngine().scan(f, opts, StageListener.NONE);
    }

    static StageResult weights(ScanReport r) {
        return r.stage(ScanEngine.STATIC_SCAN).orElseThrow();
    }

    static List<String> rules(ScanReport r) {
        return weights(r).findings().stream().map(Finding::rule).toList();
    }

    @ParameterizedTest
    @EnumSource(WeightStats.DType.class)
    void trainedLookingWeightsPassInEveryFloatEncoding(WeightStats.DType dtype) throws IOException {
        for (byte[] file : List.of(
                safetensors(floats("w", dtype, MATRIX, gaussian(N, 0.02, 1)), floats("bias", dtype, new long[]{128},
                        new double[128])),
                gguf(floats("w", dtype, MATRIX, gaussian(N, 0.02, 1)), floats("bias", dtype, new long[]{128},
                        new double[128])))) {
            ScanReport r = scan(file);
            assertThat(r.verdict()).as(r.toString()).isEqualTo(ScanVerdict.PASS);
            StageResult s = weights(r);
            assertThat(s.status()).isEqualTo(StageStatus.PASS);
            assertThat(s.findings()).isEmpty();
            assertThat(s.details()).containsEntry("weights.tensors", "2").containsEntry("weights.judged", "1")
                    .containsEntry("weights.sampledBytes", Integer.toString(N * (dtype == WeightStats.DType.F32 ? 4 : 2)));
            // the zero bias is a tiny constant, not an anomaly, and the report says it was not judged
            assertThat(s.details().get("weights.notJudged")).contains("1 under 4096 elements");
        }
    }

    @ParameterizedTest
    @EnumSource(WeightStats.DType.class)
    void aNanAnywhereInASampledTensorRejects(WeightStats.DType dtype) throws IOException {
        double[] w = gaussian(N, 0.02, 2);
        w[N - 7] = Double.NaN;
        ScanReport r = scan(safetensors(floats("w", dtype, MATRIX, w)));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(weights(r).findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("weights.nan");
            assertThat(f.severity()).isEqualTo(Severity.HIGH);
            assertThat(f.location()).isEqualTo("tensor 'w'");
        });
        // the same file in GGUF
        assertThat(rules(scan(gguf(floats("w", dtype, MATRIX, w))))).containsExactly("weights.nan");
    }

    @Test
    void randomBytesPosingAsWeightsReject() throws IOException {
        // what an encrypted or compressed payload looks like: every byte value equally likely
        byte[] payload = new byte[N * 2];
        new Random(3).nextBytes(payload);
        ScanReport r = scan(safetensors(new T("w", "F16", MATRIX, payload)));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        // random F16 holds NaNs too (1 in 32 values); the entropy rule is what names the payload
        assertThat(rules(r)).contains("weights.random_bytes");
        // trained weights of the same size and type stay under the line
        assertThat(rules(scan(safetensors(floats("w", WeightStats.DType.F16, MATRIX, gaussian(N, 0.5, 4))))))
                .doesNotContain("weights.random_bytes");
    }

    @Test
    void aFewPlantedOutliersAreReportedButDoNotRejectUnderTheDefaultLine() throws IOException {
        double[] w = gaussian(N, 0.02, 5);
        for (int i = 0; i < 4; i++) {
            w[1000 + i * 3000] = 200;
        }
        ScanReport r = scan(safetensors(floats("w", WeightStats.DType.F32, MATRIX, w)));
        assertThat(weights(r).findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("weights.kurtosis");
            assertThat(f.severity()).isEqualTo(Severity.MEDIUM);
        });
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        // a policy line of MEDIUM makes it a rejection: the weights family is analysis a line may move
        ScanOptions strict = ScanPolicy.builtin("default").withFailOn(Severity.MEDIUM)
                .options(ScanOptions.defaults(Kind.MODEL));
        assertThat(scan(safetensors(floats("w", WeightStats.DType.F32, MATRIX, w)), strict).verdict())
                .isEqualTo(ScanVerdict.REJECT);
    }

    @Test
    void constantAndZeroedMatricesAreReportedAsLow() throws IOException {
        double[] ones = new double[N];
        java.util.Arrays.fill(ones, 1.0);
        double[] sparse = gaussian(N, 0.02, 6);
        for (int i = 0; i < N; i++) {
            if (i % 500 != 0) {
                sparse[i] = 0;
            }
        }
        ScanReport r = scan(safetensors(floats("stub", WeightStats.DType.BF16, MATRIX, ones),
                floats("pruned", WeightStats.DType.BF16, MATRIX, sparse)));
        assertThat(weights(r).findings()).extracting(Finding::rule, Finding::severity, Finding::location)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("weights.constant", Severity.LOW, "tensor 'stub'"),
                        org.assertj.core.groups.Tuple.tuple("weights.zero_fraction", Severity.LOW, "tensor 'pruned'"));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        // a constant vector (a norm's scale of ones) is normal: only matrices are judged for it
        assertThat(rules(scan(safetensors(floats("norm", WeightStats.DType.F32, new long[]{N}, ones))))).isEmpty();
    }

    @Test
    void aFileWithOnlyTinyOrQuantizedTensorsIsSkippedWithTheReasonNeverPassed() throws IOException {
        byte[] int8 = new byte[N];
        new Random(7).nextBytes(int8); // random-looking, but I8 is not judged here: counted, not passed
        ScanReport r = scan(gguf(floats("scale", WeightStats.DType.F32, new long[]{64}, gaussian(64, 1, 8)),
                new T("q", "I8", MATRIX, int8)));
        assertThat(r.verdict()).isEqualTo(ScanVerdict.PASS);
        StageResult s = weights(r);
        assertThat(s.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(s.details().get("reason")).startsWith("no weight tensor to judge")
                .contains("1 not F32/F16/BF16").contains("1 under 4096 elements");
    }

    @Test
    void samplingBoundsTheBytesReadPerTensorAndSpreadsOverIt() throws IOException {
        int n = 1 << 20; // 4 MiB of F32
        double[] w = gaussian(n, 0.02, 9);
        // the last element is always in the last sampled block
        w[n - 1] = Double.POSITIVE_INFINITY;
        ScanReport r = scan(safetensors(floats("big", WeightStats.DType.F32, new long[]{1024, 1024}, w)));
        StageResult s = weights(r);
        assertThat(s.details()).containsEntry("weights.sampledBytes", Integer.toString(16 * 1024 * 4));
        assertThat(rules(r)).containsExactly("weights.infinite");
    }

    @Test
    void thresholdsComeFromThePolicyFileStrictly() throws IOException {
        double[] w = gaussian(N, 0.02, 5);
        for (int i = 0; i < 4; i++) {
            w[1000 + i * 3000] = 200;
        }
        Path p = Files.writeString(dir.resolve("p.yaml"), "name: tolerant\nweights:\n  max_excess_kurtosis: 100000\n");
        ScanPolicy tolerant = ScanPolicy.load(p);
        assertThat(tolerant.loosenings()).anySatisfy(l -> assertThat(l).contains("weight statistics judged by"));
        assertThat(rules(scan(safetensors(floats("w", WeightStats.DType.F32, MATRIX, w)),
                tolerant.options(ScanOptions.defaults(Kind.MODEL))))).isEmpty();

        Files.writeString(p, "weights:\n  max_kurtosis: 5\n");
        assertThatThrownBy(() -> ScanPolicy.load(p)).hasMessageContaining("unknown key 'max_kurtosis'");
        Files.writeString(p, "weights:\n  max_entropy_bits: 9\n");
        assertThatThrownBy(() -> ScanPolicy.load(p)).hasMessageContaining("max_entropy_bits in (0, 8]");
        Files.writeString(p, "weights:\n  min_elements: many\n");
        assertThatThrownBy(() -> ScanPolicy.load(p)).hasMessageContaining("must be a number");
    }

    @ParameterizedTest
    @EnumSource(Folders.Container.class)
    void weightsInsideAModelFolderAreJudgedToo(Folders.Container container) throws IOException {
        double[] w = gaussian(N, 0.02, 12);
        java.util.Map<String, byte[]> honest = Folders.with(Folders.sharded(), "model-00002-of-00002.safetensors",
                safetensors(floats("lm_head.weight", WeightStats.DType.BF16, MATRIX, w)));
        ScanReport ok = scan(Folders.pack(honest, container));
        assertThat(ok.verdict()).as(ok.toString()).isEqualTo(ScanVerdict.PASS);
        StageResult folder = ok.stage(ScanEngine.FOLDER_SCAN).orElseThrow();
        assertThat(folder.details()).containsEntry("weights.judged", "1")
                .containsEntry("weights.sampledBytes", Integer.toString(N * 2));

        w[N / 2] = Double.NaN;
        ScanReport bad = scan(Folders.pack(Folders.with(Folders.sharded(), "model-00002-of-00002.safetensors",
                safetensors(floats("lm_head.weight", WeightStats.DType.BF16, MATRIX, w))), container));
        assertThat(bad.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(bad.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("weights.nan");
            assertThat(f.location()).contains("model-00002-of-00002.safetensors").endsWith("tensor 'lm_head.weight'");
        });
    }

    @Test
    void halfPrecisionDecodingMatchesTheStandard() {
        List<double[]> cases = new ArrayList<>();
        cases.add(new double[]{0x3c00, 1.0});
        cases.add(new double[]{0xc000, -2.0});
        cases.add(new double[]{0x7bff, 65504.0});
        cases.add(new double[]{0x0001, Math.pow(2, -24)});
        cases.add(new double[]{0x0400, Math.pow(2, -14)});
        cases.add(new double[]{0x3555, 0.333251953125});
        for (double[] c : cases) {
            assertThat(WeightStats.halfToDouble((int) c[0])).as(Integer.toHexString((int) c[0])).isEqualTo(c[1]);
        }
        assertThat(WeightStats.halfToDouble(0x7c00)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(WeightStats.halfToDouble(0x7c01)).isNaN();
    }
}
