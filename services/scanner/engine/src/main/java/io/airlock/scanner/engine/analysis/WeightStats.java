package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.ByteSource;
import io.airlock.formats.GgufValidator;
import io.airlock.formats.SafetensorsValidator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Statistics of floating-point weight tensors (F32, F16, BF16), sampled: NaN and infinities,
 * matrices holding one value or almost only zeros, excess kurtosis, and the byte entropy that tells data posing as
 * weights (compressed or encrypted bytes spread evenly over all 256 values, and over every float
 * exponent) from trained weights (whose exponents cluster: measured 6.5-7.6 bits per byte for normal
 * weights in F32, F16 and BF16, 8.0 for random bytes).
 *
 * <p>Only tensors of at least {@link Thresholds#minElements} elements are judged: real models hold
 * tiny constants (scales, masks, zero biases) that are not anomalies. Each judged tensor is sampled
 * in {@value #BLOCK}-element blocks spread evenly over it, at most {@link Thresholds#sampleElements}
 * elements, so the I/O per tensor is bounded whatever its size and the stage costs a small fraction
 * of the integrity stage's hash; the report says how much was sampled. Quantized and integer
 * tensors are counted as not analysed, never as clean.
 */
public final class WeightStats {
    /** Elements read contiguously per sample block. */
    static final int BLOCK = 1024;

    /** Float encodings analysed. */
    public enum DType {
        F32(4), F16(2), BF16(2);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** The safetensors or GGUF type name, or null when it is not a float type analysed here. */
        public static DType of(String name) {
            return switch (name) {
                case "F32" -> F32;
                case "F16" -> F16;
                case "BF16" -> BF16;
                default -> null;
            };
        }
    }

    /**
     * One tensor's data.
     *
     * @param dtype    null when the type is not analysed (quantized, integer, F64...)
     * @param rank     number of dimensions
     * @param elements element count
     * @param offset   absolute offset of its first byte in the source
     */
    public record Tensor(String name, DType dtype, int rank, long elements, long offset) {
    }

    /**
     * Policy thresholds.
     *
     * @param minElements       smallest tensor judged
     * @param sampleElements    most elements sampled per tensor
     * @param maxExcessKurtosis above it, MEDIUM {@code weights.kurtosis} (a few huge values: outliers planted
     *                          in a tensor, or data hidden in it)
     * @param maxEntropyBits    above it (bits per byte over at least {@value #MIN_ENTROPY_BYTES} sampled
     *                          bytes), HIGH {@code weights.random_bytes}
     * @param maxTensors        most tensors judged per file; the rest are counted as not analysed
     * @param maxZeroFraction   above it (in a matrix), LOW {@code weights.zero_fraction}
     */
    public record Thresholds(long minElements, int sampleElements, double maxExcessKurtosis, double maxEntropyBits,
                             int maxTensors, double maxZeroFraction) {
        public Thresholds {
            if (minElements < 1 || sampleElements < BLOCK || maxTensors < 0) {
                throw new IllegalArgumentException("weights: min_elements >= 1, sample_elements >= " + BLOCK
                        + ", max_tensors >= 0");
            }
            if (!(maxEntropyBits > 0 && maxEntropyBits <= 8) || !(maxExcessKurtosis > 0)
                    || !(maxZeroFraction > 0 && maxZeroFraction <= 1)) {
                throw new IllegalArgumentException("weights: max_entropy_bits in (0, 8], max_excess_kurtosis > 0, "
                        + "max_zero_fraction in (0, 1]");
            }
        }

        public static Thresholds defaults() {
            return new Thresholds(4096, 16 * BLOCK, 1000, 7.95, 100_000, 0.99);
        }
    }

    /** The tensors of a validated safetensors file, by offset (the validator sorted them). */
    public static List<Tensor> tensors(SafetensorsValidator.Layout l) {
        List<Tensor> out = new ArrayList<>(l.tensors().size());
        for (SafetensorsValidator.Tensor t : l.tensors()) {
            out.add(new Tensor(t.name(), DType.of(t.dtype()), t.shape().length, elements(t.shape()),
                    l.dataStart() + t.begin()));
        }
        return out;
    }

    /** The tensors of a validated GGUF file, in file order (the validator checked offsets in order). */
    public static List<Tensor> tensors(GgufValidator.Layout l) {
        List<Tensor> out = new ArrayList<>(l.tensors().size());
        for (GgufValidator.TensorInfo t : l.tensors()) {
            out.add(new Tensor(t.name(), DType.of(t.type().name()), t.dims().length, elements(t.dims()),
                    l.dataStart() + t.offset()));
        }
        return out;
    }

    /** The element count; the validators checked that the product does not overflow. */
    private static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Fewer sampled bytes than this make the entropy estimate too low for uniform bytes to clear 7.95. */
    static final int MIN_ENTROPY_BYTES = 16 * 1024;

    private WeightStats() {
    }

    /**
     * What was judged.
     *
     * @param otherType tensors not F32/F16/BF16
     * @param small     tensors under the minimum size
     * @param overCap   tensors past {@link Thresholds#maxTensors}
     */
    public record Summary(long judged, long otherType, long small, long overCap, long sampledBytes) {
        Summary plus(Summary o) {
            return new Summary(judged + o.judged, otherType + o.otherType, small + o.small, overCap + o.overCap,
                    sampledBytes + o.sampledBytes);
        }

        static final Summary NONE = new Summary(0, 0, 0, 0, 0);

        /** The report's details for these counts. */
        void describe(Thresholds t, Map<String, String> details) {
            details.put("weights.judged", Long.toString(judged));
            details.put("weights.sampledBytes", Long.toString(sampledBytes));
            details.put("weights.sampling", "up to " + t.sampleElements() + " elements per tensor in " + BLOCK
                    + "-element blocks spread over it");
            details.put("weights.notJudged", otherType + " not F32/F16/BF16 (quantized, integer or F64), " + small
                    + " under " + t.minElements() + " elements, " + overCap + " over the cap of " + t.maxTensors());
        }
    }

    /** The static scan of a GGUF or safetensors file: its tensors, as the format gate's validator laid them out. */
    public static StaticScan.Outcome scan(ByteSource src, List<Tensor> tensors, Thresholds t, String stage, int perRule)
            throws IOException {
        Findings out = new Findings(stage, perRule);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("weights.tensors", Integer.toString(tensors.size()));
        Summary s = analyse(src, tensors, t, t.maxTensors(), out, "");
        s.describe(t, details);
        if (s.judged() == 0) {
            // nothing was looked at: say so, never a pass
            return new StaticScan.Outcome(false, List.of(), details, "no weight tensor to judge in this file ("
                    + details.get("weights.notJudged") + ")");
        }
        return new StaticScan.Outcome(true, out.list(), details, "");
    }

    /**
     * Judges at most {@code cap} of {@code tensors} (in the order given, which must be by offset when
     * {@code src} reads only forward), adding findings located after {@code where}.
     */
    static Summary analyse(ByteSource src, List<Tensor> tensors, Thresholds t, long cap, Findings out, String where)
            throws IOException {
        long judged = 0;
        long small = 0;
        long otherType = 0;
        long overCap = 0;
        long sampledBytes = 0;
        byte[] buf = new byte[BLOCK * 4];
        double[] values = new double[t.sampleElements()];
        for (Tensor x : tensors) {
            if (x.dtype() == null) {
                otherType++;
            } else if (x.elements() < t.minElements()) {
                small++;
            } else if (judged >= cap) {
                overCap++;
            } else {
                judged++;
                sampledBytes += judge(src, x, t, buf, values, out, where);
            }
        }
        return new Summary(judged, otherType, small, overCap, sampledBytes);
    }

    /** Samples and judges one tensor; returns the bytes read. */
    private static long judge(ByteSource src, Tensor x, Thresholds t, byte[] buf, double[] values, Findings out,
                              String prefix) throws IOException {
        int width = x.dtype().bytes;
        long blocksInTensor = (x.elements() + BLOCK - 1) / BLOCK;
        int blocks = (int) Math.min(blocksInTensor, t.sampleElements() / BLOCK);
        int[] histogram = new int[256];
        int n = 0;
        long nan = 0;
        long inf = 0;
        long zeros = 0;
        long bytesRead = 0;
        for (int b = 0; b < blocks; b++) {
            // block b starts at an even spread over the tensor's blocks; the last one may be short
            long block = blocks == 1 ? 0 : b * (blocksInTensor - 1) / (blocks - 1);
            long first = block * BLOCK;
            int count = (int) Math.min(BLOCK, x.elements() - first);
            int len = count * width;
            int got = readFully(src, x.offset() + first * width, buf, len);
            bytesRead += got;
            for (int i = 0; i + width <= got; i += width) {
                double v = decode(x.dtype(), buf, i);
                if (Double.isNaN(v)) {
                    nan++;
                } else if (Double.isInfinite(v)) {
                    inf++;
                } else {
                    values[n++] = v;
                    if (v == 0) {
                        zeros++;
                    }
                }
            }
            for (int i = 0; i < got; i++) {
                histogram[buf[i] & 0xff]++;
            }
        }
        String where = prefix + "tensor '" + printable(x.name()) + "'";
        long sampled = nan + inf + n;
        if (nan > 0) {
            out.add("weights.nan", Severity.HIGH, where, nan + " of " + sampled + " sampled values are NaN: trained "
                    + "weights never are; the tensor is corrupt or tampered with", "");
        }
        if (inf > 0) {
            out.add("weights.infinite", Severity.MEDIUM, where, inf + " of " + sampled + " sampled values are infinite",
                    "");
        }
        double entropy = entropy(histogram, bytesRead);
        if (bytesRead >= MIN_ENTROPY_BYTES && entropy > t.maxEntropyBits()) {
            out.add("weights.random_bytes", Severity.HIGH, where, String.format(Locale.ROOT,
                    "the sampled bytes look random (%.3f bits per byte, over %.2f): compressed or encrypted data "
                            + "posing as weights, not trained values", entropy, t.maxEntropyBits()),
                    bytesRead + " bytes sampled");
        }
        if (n >= 2) {
            boolean constant = true;
            for (int i = 1; i < n && constant; i++) {
                constant = values[i] == values[0];
            }
            if (constant && x.rank() >= 2) {
                out.add("weights.constant", Severity.LOW, where, "every sampled value of this matrix is " + values[0]
                        + ": an untrained stub or a knocked-out layer", "");
            } else if (x.rank() >= 2 && (double) zeros / n > t.maxZeroFraction()) {
                out.add("weights.zero_fraction", Severity.LOW, where, String.format(Locale.ROOT,
                        "%.4f of the sampled values are zero (over %.4f): a knocked-out or stub layer, or "
                                + "pruning far beyond what is usual", (double) zeros / n, t.maxZeroFraction()), "");
            }
            double k = excessKurtosisOfNonZero(values, n);
            if (k > t.maxExcessKurtosis()) {
                out.add("weights.kurtosis", Severity.MEDIUM, where, String.format(Locale.ROOT,
                        "excess kurtosis %.1f over %.1f: a few values far out of the distribution (planted "
                                + "outliers or data hidden in the tensor)", k, t.maxExcessKurtosis()), "");
            }
        }
        return bytesRead;
    }

    /**
     * Excess kurtosis of the non-zero values (NaN when they have no spread). Zeros are left out
     * because pruning's zeros are judged by the zero fraction; counted here, a 99%-sparse honest
     * matrix would look like a handful of outliers.
     */
    static double excessKurtosisOfNonZero(double[] values, int n) {
        double sum = 0;
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (values[i] != 0) {
                sum += values[i];
                m++;
            }
        }
        if (m < 2) {
            return Double.NaN;
        }
        double mean = sum / m;
        double m2 = 0;
        double m4 = 0;
        for (int i = 0; i < n; i++) {
            if (values[i] != 0) {
                double d2 = (values[i] - mean) * (values[i] - mean);
                m2 += d2;
                m4 += d2 * d2;
            }
        }
        m2 /= m;
        m4 /= m;
        return m2 == 0 ? Double.NaN : m4 / (m2 * m2) - 3;
    }

    private static int readFully(ByteSource src, long pos, byte[] buf, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = src.read(pos + done, buf, done, len - done);
            if (r <= 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    static double decode(DType t, byte[] b, int i) {
        return switch (t) {
            case F32 -> Float.intBitsToFloat((b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16
                    | (b[i + 3] & 0xff) << 24);
            case BF16 -> Float.intBitsToFloat(((b[i] & 0xff) | (b[i + 1] & 0xff) << 8) << 16);
            case F16 -> halfToDouble((b[i] & 0xff) | (b[i + 1] & 0xff) << 8);
        };
    }

    /** IEEE 754 binary16 (Java 17 has no Float.float16ToFloat). */
    public static double halfToDouble(int h) {
        int sign = (h >>> 15) == 0 ? 1 : -1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (exp == 0) {
            return sign * Math.scalb((double) mant, -24);
        }
        return sign * Math.scalb(1024.0 + mant, exp - 25);
    }

    static double entropy(int[] histogram, long total) {
        if (total == 0) {
            return 0;
        }
        double h = 0;
        for (int c : histogram) {
            if (c > 0) {
                double p = (double) c / total;
                h -= p * Math.log(p);
            }
        }
        return h / Math.log(2);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : Character.toString(c)));
        return b.toString();
    }
}
