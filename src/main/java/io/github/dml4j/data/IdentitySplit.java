package io.github.dml4j.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A class-disjoint split of an identity set into train, calibration and test parts: no identity
 * appears in two parts, so the test measures how the embedding handles people it never saw, and
 * the verification threshold is calibrated on people seen neither in training nor in the test.
 *
 * <p>{@link #split(IdentityImages, Fractions, long)} shuffles the identities with a seed and
 * cuts the shuffled list by the fractions (counts rounded by largest remainder). Each part is an
 * {@link IdentityImages} of its own, relabelled 0..k-1 in name order, with its file paths, so
 * {@link PairList#read} and {@link PairGenerator} work on it directly. Identities with a single
 * image are kept: they serve as gallery entries and negatives, but cannot give positive pairs,
 * so {@link #summary()} reports them per part (and the split logs it).
 *
 * @param train the identities to train on
 * @param calibration the identities to choose a threshold on
 * @param test the identities to evaluate on
 */
public record IdentitySplit(IdentityImages train, IdentityImages calibration, IdentityImages test) {

    private static final Logger logger = LoggerFactory.getLogger(IdentitySplit.class);

    /**
     * Checks that no part is null.
     *
     * @param train the identities to train on
     * @param calibration the identities to choose a threshold on
     * @param test the identities to evaluate on
     */
    public IdentitySplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(calibration, "calibration");
        Objects.requireNonNull(test, "test");
    }

    /**
     * The shares of identities (not images) that go to each part.
     *
     * @param train share of identities for training, in (0, 1)
     * @param calibration share for calibration, in (0, 1)
     * @param test share for testing, in (0, 1)
     */
    public record Fractions(double train, double calibration, double test) {

        /**
         * Checks that each share is in (0, 1) and that they sum to 1.
         *
         * @param train share of identities for training
         * @param calibration share for calibration
         * @param test share for testing
         */
        public Fractions {
            check("train", train);
            check("calibration", calibration);
            check("test", test);
            double sum = train + calibration + test;
            if (Math.abs(sum - 1) > 1e-9) {
                throw new IllegalArgumentException("The train, calibration and test fractions must sum to 1, got "
                        + train + " + " + calibration + " + " + test + " = " + sum + ".");
            }
        }

        private static void check(String part, double value) {
            if (!(value > 0 && value < 1)) {
                throw new IllegalArgumentException("The " + part + " fraction must be between 0 and 1 (exclusive),"
                        + " got " + value + ".");
            }
        }
    }

    /**
     * Splits identities at random into three disjoint parts.
     *
     * @param all the identity set
     * @param fractions the share of identities for each part
     * @param seed random seed; the same set, fractions and seed give the same split
     * @return the three parts
     * @throws IllegalArgumentException naming the part if one would get no identity
     */
    public static IdentitySplit split(IdentityImages all, Fractions fractions, long seed) {
        Objects.requireNonNull(all, "all");
        Objects.requireNonNull(fractions, "fractions");
        int n = all.numIdentities();
        double[] shares = {fractions.train(), fractions.calibration(), fractions.test()};
        int[] counts = counts(n, shares);
        String[] names = {"train", "calibration", "test"};
        for (int p = 0; p < 3; p++) {
            if (counts[p] == 0) {
                throw new IllegalArgumentException("The " + names[p] + " part gets no identity: " + shares[p]
                        + " of " + n + " identities rounds to 0; use a larger fraction or more identities.");
            }
        }
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int start = 0;
        IdentityImages[] parts = new IdentityImages[3];
        for (int p = 0; p < 3; p++) {
            parts[p] = all.selectIdentities(Arrays.copyOfRange(order, start, start + counts[p]));
            start += counts[p];
        }
        IdentitySplit split = new IdentitySplit(parts[0], parts[1], parts[2]);
        logger.info("Identity split (seed {}): {}", seed, split.summary());
        return split;
    }

    /** Largest-remainder rounding of {@code n * fractions}, ties to the earlier part. */
    private static int[] counts(int n, double[] fractions) {
        int[] counts = new int[fractions.length];
        double[] remainders = new double[fractions.length];
        int assigned = 0;
        for (int p = 0; p < fractions.length; p++) {
            double exact = n * fractions[p];
            counts[p] = (int) Math.floor(exact + 1e-9);
            remainders[p] = exact - counts[p];
            assigned += counts[p];
        }
        for (; assigned < n; assigned++) {
            int best = 0;
            for (int p = 1; p < fractions.length; p++) {
                if (remainders[p] > remainders[best] + 1e-12) {
                    best = p;
                }
            }
            counts[best]++;
            remainders[best] = -1;
        }
        return counts;
    }

    /**
     * Whether no identity name occurs in two parts (always true for a split made here).
     *
     * @return {@code true} if the parts share no identity
     */
    public boolean isIdentityDisjoint() {
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (IdentityImages part : List.of(train, calibration, test)) {
            seen.addAll(part.identities());
            total += part.numIdentities();
        }
        return seen.size() == total;
    }

    /**
     * One line per part: identities, images and the singleton identities, which cannot give
     * positive pairs.
     *
     * @return the report
     */
    public String summary() {
        StringBuilder s = new StringBuilder();
        String[] names = {"train", "calibration", "test"};
        IdentityImages[] parts = {train, calibration, test};
        for (int p = 0; p < 3; p++) {
            List<String> singletons = parts[p].singletons();
            s.append(p == 0 ? "" : "; ").append(names[p]).append(": ").append(parts[p].numIdentities())
                    .append(" identities, ").append(parts[p].size()).append(" images, ").append(singletons.size())
                    .append(" with one image");
            if (!singletons.isEmpty()) {
                s.append(" (no positive pairs: ").append(String.join(", ", singletons.subList(0, Math.min(5, singletons.size()))))
                        .append(singletons.size() > 5 ? ", ..." : "").append(')');
            }
        }
        return s.toString();
    }
}
