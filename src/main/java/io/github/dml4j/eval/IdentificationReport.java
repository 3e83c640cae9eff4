package io.github.dml4j.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Identification results over a set of probes against a gallery (1:N search), closed- and
 * open-set, with the names used in face recognition benchmarks (IJB-C, MegaFace):
 * <ul>
 *   <li>rank-1 and rank-k identification rates: the share of probes whose identity is in the
 *       gallery ("mated" probes) that find it first, or among the first k identities;
 *   <li>detection and identification rate (DIR) at the threshold: the share of mated probes
 *       found first <em>and</em> scoring at least the threshold;
 *   <li>open-set false accept rate (FPIR): the share of non-mated probes (identities absent from
 *       the gallery) whose best score reaches the threshold, so they would be wrongly accepted.
 * </ul>
 *
 * @param matedProbes probes whose identity is in the gallery
 * @param nonMatedProbes probes whose identity is not
 * @param k the rank of {@link #rankKRate()}
 * @param rank1Rate closed-set rank-1 identification rate over mated probes (NaN if none)
 * @param rankKRate closed-set rank-k identification rate over mated probes (NaN if none)
 * @param threshold the open-set threshold, or NaN for none
 * @param detectionIdentificationRate DIR at the threshold over mated probes (NaN without threshold or mated probes)
 * @param openSetFalseAcceptRate FPIR at the threshold over non-mated probes (NaN without threshold or non-mated probes)
 */
public record IdentificationReport(
        int matedProbes,
        int nonMatedProbes,
        int k,
        double rank1Rate,
        double rankKRate,
        double threshold,
        double detectionIdentificationRate,
        double openSetFalseAcceptRate) {

    /**
     * Computes the report from ranked gallery identities.
     *
     * @param probeLabels the true identity of each probe
     * @param mated whether each probe's identity is in the gallery
     * @param rankedLabels for each probe, gallery identities best first (at least one)
     * @param bestScores for each probe, the score of its best gallery identity
     * @param k the rank for the rank-k rate, at least 1
     * @param threshold the open-set threshold, or NaN for closed-set only
     * @throws IllegalArgumentException if lengths differ, a probe has no ranked identity, or k &lt; 1
     */
    public static IdentificationReport of(
            int[] probeLabels, boolean[] mated, int[][] rankedLabels, double[] bestScores, int k, double threshold) {
        int n = probeLabels.length;
        if (mated.length != n || rankedLabels.length != n || bestScores.length != n) {
            throw new IllegalArgumentException("Got " + n + " probe labels, " + mated.length + " mated flags, "
                    + rankedLabels.length + " rankings and " + bestScores.length + " best scores: one each per probe.");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k + ".");
        }
        int matedCount = 0;
        int rank1 = 0;
        int rankK = 0;
        int detected = 0;
        int falseAccepts = 0;
        for (int i = 0; i < n; i++) {
            if (rankedLabels[i].length == 0) {
                throw new IllegalArgumentException("Probe " + i + " has no ranked gallery identity.");
            }
            boolean accepted = !Double.isNaN(threshold) && bestScores[i] >= threshold;
            if (mated[i]) {
                matedCount++;
                boolean first = rankedLabels[i][0] == probeLabels[i];
                rank1 += first ? 1 : 0;
                detected += first && accepted ? 1 : 0;
                for (int r = 0; r < Math.min(k, rankedLabels[i].length); r++) {
                    if (rankedLabels[i][r] == probeLabels[i]) {
                        rankK++;
                        break;
                    }
                }
            } else {
                falseAccepts += accepted ? 1 : 0;
            }
        }
        int nonMated = n - matedCount;
        boolean open = !Double.isNaN(threshold);
        return new IdentificationReport(matedCount, nonMated, k, rate(rank1, matedCount), rate(rankK, matedCount),
                threshold, open ? rate(detected, matedCount) : Double.NaN,
                open ? rate(falseAccepts, nonMated) : Double.NaN);
    }

    private static double rate(int count, int total) {
        return total == 0 ? Double.NaN : count / (double) total;
    }

    /** The figures as an ordered map for JSON output. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mated_probes", matedProbes);
        m.put("non_mated_probes", nonMatedProbes);
        m.put("rank_1", rank1Rate);
        m.put("rank_" + k, rankKRate);
        m.put("threshold", threshold);
        m.put("detection_identification_rate", detectionIdentificationRate);
        m.put("open_set_far", openSetFalseAcceptRate);
        return m;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "rank-1 %.4f, rank-%d %.4f over %d mated probes; at threshold %.4f: "
                        + "DIR %.4f, open-set FAR %.4f over %d non-mated probes",
                rank1Rate, k, rankKRate, matedProbes, threshold, detectionIdentificationRate,
                openSetFalseAcceptRate, nonMatedProbes);
    }
}
