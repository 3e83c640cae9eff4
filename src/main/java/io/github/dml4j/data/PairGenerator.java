package io.github.dml4j.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Draws a verification {@link PairList} for a face set that comes without a {@code pairs.txt}:
 * {@code folds} folds, each with {@code pairsPerFold} matched and {@code pairsPerFold}
 * mismatched pairs, reproducibly from a seed.
 *
 * <p>As in LFW's View 2, the folds are identity-disjoint: the identities are shuffled and dealt
 * to the folds in turn (those with two or more images first, so every fold gets its share), and
 * a fold's pairs use only its own identities, so k-fold verification tests each threshold on
 * people it was not chosen on. Matched pairs visit the fold's identities with two or more images
 * in turn, each visit drawing a new pair of two of its images, so that identities with many
 * images do not dominate; singletons never give a matched pair. Mismatched pairs take two
 * different identities of the fold at random and one random image of each. No pair appears
 * twice. Pairs are listed fold by fold, matched first, the smaller image index first.
 *
 * <pre>{@code
 * PairList pairs = PairGenerator.builder().setPairsPerFold(300).optFolds(10).optSeed(0).build()
 *         .generate(testPart);
 * pairs.write(Path.of("pairs.txt"), testPart);   // when the files are named LFW-style
 * }</pre>
 */
public final class PairGenerator {

    private final int folds;
    private final int pairsPerFold;
    private final long seed;

    private PairGenerator(Builder b) {
        this.folds = b.folds;
        this.pairsPerFold = b.pairsPerFold;
        this.seed = b.seed;
    }

    /**
     * A builder; the pairs per fold are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Draws pairs among the images of an identity set.
     *
     * @param images the images, labelled by identity
     * @return the pairs, indices into {@code images}
     * @throws IllegalArgumentException if a fold cannot get enough distinct pairs
     */
    public PairList generate(IdentityImages images) {
        return generate(images.images());
    }

    /**
     * Draws pairs among labelled images.
     *
     * @param images the images; equal labels mean the same identity
     * @return the pairs, indices into {@code images}
     * @throws IllegalArgumentException if a fold cannot get enough distinct pairs
     */
    public PairList generate(ImageSource images) {
        Objects.requireNonNull(images, "images");
        TreeMap<Integer, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < images.size(); i++) {
            byLabel.computeIfAbsent(images.label(i), l -> new ArrayList<>()).add(i);
        }
        List<int[]> multi = new ArrayList<>();
        List<int[]> single = new ArrayList<>();
        for (List<Integer> idx : byLabel.values()) {
            (idx.size() > 1 ? multi : single).add(idx.stream().mapToInt(Integer::intValue).toArray());
        }
        if (multi.size() < folds) {
            throw new IllegalArgumentException("Only " + multi.size() + " identities have two or more images, fewer"
                    + " than the " + folds + " folds: every fold needs at least one for its matched pairs.");
        }
        Random random = new Random(seed);
        shuffle(multi, random);
        shuffle(single, random);
        List<List<int[]>> byFold = new ArrayList<>();
        for (int f = 0; f < folds; f++) {
            byFold.add(new ArrayList<>());
        }
        int dealt = 0;
        for (List<int[]> group : List.of(multi, single)) {
            for (int[] identity : group) {
                byFold.get(dealt++ % folds).add(identity);
            }
        }
        int n = 2 * folds * pairsPerFold;
        int[] first = new int[n];
        int[] second = new int[n];
        boolean[] same = new boolean[n];
        int[] foldIds = new int[n];
        int k = 0;
        for (int f = 0; f < folds; f++) {
            List<int[]> ids = byFold.get(f);
            checkCapacity(f, ids);
            long[] matched = matched(ids, random, images.size());
            long[] mismatched = mismatched(ids, random, images.size());
            for (long[] part : new long[][] {matched, mismatched}) {
                for (long key : part) {
                    first[k] = (int) (key / images.size());
                    second[k] = (int) (key % images.size());
                    same[k] = part == matched;
                    foldIds[k] = f;
                    k++;
                }
            }
        }
        return PairList.of(first, second, same, foldIds);
    }

    /**
     * How many distinct matched pairs, and as many mismatched ones, every one of {@code folds}
     * folds of {@code images} can give at least, for choosing the pairs per fold before drawing:
     * {@link #generate(ImageSource)} deals the identities with two or more images round the folds,
     * so each fold gets at least (their number) / folds of them, and the bound is that of a fold
     * holding the smallest of them (the singletons it may also get only add mismatched pairs).
     *
     * @param images the images, labelled by identity
     * @param folds the number of folds, at least 1
     * @return the smaller of the fold's matched and mismatched pair counts; 0 when fewer identities
     *     than folds have two or more images
     */
    public static long pairsEveryFoldCanGive(ImageSource images, int folds) {
        if (folds < 1) {
            throw new IllegalArgumentException("The folds must be at least 1, got " + folds + ".");
        }
        TreeMap<Integer, Long> counts = new TreeMap<>();
        for (int label : images.labels()) {
            counts.merge(label, 1L, Long::sum);
        }
        long[] sizes = counts.values().stream().mapToLong(Long::longValue).filter(n -> n >= 2).sorted().toArray();
        long matched = 0;
        long mismatched = 0;
        long imagesSoFar = 0;
        for (int i = 0; i < sizes.length / folds; i++) {
            matched += sizes[i] * (sizes[i] - 1) / 2;
            mismatched += imagesSoFar * sizes[i];
            imagesSoFar += sizes[i];
        }
        return Math.min(matched, mismatched);
    }

    private void checkCapacity(int fold, List<int[]> ids) {
        long matchedCapacity = 0;
        long images = 0;
        for (int[] id : ids) {
            matchedCapacity += (long) id.length * (id.length - 1) / 2;
            images += id.length;
        }
        long mismatchedCapacity = images * (images - 1) / 2 - matchedCapacity;
        if (matchedCapacity < pairsPerFold) {
            throw new IllegalArgumentException("Fold " + fold + " of " + folds + " can give only " + matchedCapacity
                    + " distinct matched pairs, fewer than the " + pairsPerFold + " pairs per fold requested: ask for"
                    + " fewer pairs per fold or fewer folds.");
        }
        if (mismatchedCapacity < pairsPerFold) {
            throw new IllegalArgumentException("Fold " + fold + " of " + folds + " can give only " + mismatchedCapacity
                    + " distinct mismatched pairs, fewer than the " + pairsPerFold + " pairs per fold requested: ask"
                    + " for fewer pairs per fold or fewer folds.");
        }
    }

    /** Matched pairs as keys {@code small * n + large}: identities with 2+ images in turn. */
    private long[] matched(List<int[]> ids, Random random, int n) {
        List<int[]> rotation = new ArrayList<>();
        List<Long> left = new ArrayList<>();
        for (int[] id : ids) {
            if (id.length > 1) {
                rotation.add(id);
                left.add((long) id.length * (id.length - 1) / 2);
            }
        }
        Set<Long> drawn = new HashSet<>();
        long[] keys = new long[pairsPerFold];
        int k = 0;
        for (int turn = 0; k < pairsPerFold; turn = (turn + 1) % rotation.size()) {
            if (left.get(turn) == 0) {
                continue;
            }
            int[] id = rotation.get(turn);
            long key;
            do {
                int a = random.nextInt(id.length);
                int b = random.nextInt(id.length - 1);
                b = b >= a ? b + 1 : b;
                key = key(id[a], id[b], n);
            } while (!drawn.add(key));
            left.set(turn, left.get(turn) - 1);
            keys[k++] = key;
        }
        return keys;
    }

    /** Mismatched pairs: two different identities of the fold, one random image of each. */
    private long[] mismatched(List<int[]> ids, Random random, int n) {
        Set<Long> drawn = new HashSet<>();
        long[] keys = new long[pairsPerFold];
        for (int k = 0; k < pairsPerFold; k++) {
            long key;
            do {
                int a = random.nextInt(ids.size());
                int b = random.nextInt(ids.size() - 1);
                b = b >= a ? b + 1 : b;
                key = key(ids.get(a)[random.nextInt(ids.get(a).length)], ids.get(b)[random.nextInt(ids.get(b).length)], n);
            } while (!drawn.add(key));
            keys[k] = key;
        }
        return keys;
    }

    private static long key(int a, int b, int n) {
        return (long) Math.min(a, b) * n + Math.max(a, b);
    }

    private static <T> void shuffle(List<T> list, Random random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /** Number of folds. */
    public int folds() {
        return folds;
    }

    /** Matched (and mismatched) pairs per fold. */
    public int pairsPerFold() {
        return pairsPerFold;
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "PairGenerator{" + folds + " folds of " + pairsPerFold + " matched + " + pairsPerFold
                + " mismatched pairs, seed " + seed + '}';
    }

    /** Builder of {@link PairGenerator}. */
    public static final class Builder {
        private int folds = 10;
        private int pairsPerFold;
        private long seed;

        private Builder() {}

        /**
         * Matched pairs per fold, and as many mismatched (required).
         *
         * @param pairsPerFold at least 1; LFW uses 300
         * @return this builder
         */
        public Builder setPairsPerFold(int pairsPerFold) {
            this.pairsPerFold = pairsPerFold;
            return this;
        }

        /**
         * Number of identity-disjoint folds (default 10, as LFW).
         *
         * @param folds at least 1
         * @return this builder
         */
        public Builder optFolds(int folds) {
            this.folds = folds;
            return this;
        }

        /**
         * The random seed (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Validates the settings and builds the generator.
         *
         * @return the generator
         * @throws IllegalArgumentException naming the bad setting
         */
        public PairGenerator build() {
            if (pairsPerFold < 1) {
                throw new IllegalArgumentException("The pairs per fold of a PairGenerator must be set with"
                        + " setPairsPerFold(...) to at least 1, got " + pairsPerFold + ".");
            }
            if (folds < 1) {
                throw new IllegalArgumentException("The number of folds of a PairGenerator (optFolds) must be at least"
                        + " 1, got " + folds + ".");
            }
            if (2L * folds * pairsPerFold > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("A PairGenerator of " + folds + " folds of " + pairsPerFold
                        + " pairs makes too many pairs for one list.");
            }
            return new PairGenerator(this);
        }
    }
}
