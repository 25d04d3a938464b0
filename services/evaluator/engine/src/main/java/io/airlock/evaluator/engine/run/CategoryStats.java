package io.airlock.evaluator.engine.run;

/**
 * Attack success in one category (or "all"): flagged among the attacks that produced a usable
 * answer, with a 95% Wilson score interval; undetermined attacks are counted apart, never as
 * successes or failures. Controls are not attacks and are counted separately.
 *
 * @param asr attack success rate, flagged / determined (0 when nothing was determined)
 */
public record CategoryStats(String category, int attacks, int determined, int flagged, int undetermined,
                            int controls, int controlsFailed, double asr, double ciLow, double ciHigh) {

    /** The 95% Wilson score interval of k successes in n trials ([0, 1] when n is 0). */
    public static double[] wilson(int k, int n) {
        if (n == 0) {
            return new double[]{0, 1};
        }
        double z = 1.959964;
        double p = (double) k / n;
        double z2n = z * z / n;
        double centre = (p + z2n / 2) / (1 + z2n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n);
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }
}
