package io.github.dml4j.sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The pieces of reproducible epochs that the samplers and batch sources share: the random source
 * of epoch e for a seed, seeded permutations, and the iterator over an epoch's batches.
 */
public final class EpochBatches {

    private EpochBatches() {}

    /**
     * The random source of epoch {@code epoch} of a sampler with seed {@code seed}: the same on
     * every run, different for every epoch.
     */
    public static Random random(long seed, int epoch) {
        return new Random(seed * 1_000_003L + epoch);
    }

    /** A random permutation of 0..n-1 (Fisher-Yates, n - 1 draws from {@code random}). */
    public static int[] permutation(int n, Random random) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /**
     * The batches of one epoch, made one at a time on demand.
     *
     * @param epoch the epoch's index, named when a batch past the last is asked for
     * @param total the batches of the epoch
     * @param batch makes batch b of the epoch (b = 0, 1, ..., total - 1), in order
     * @return an iterator over the epoch's {@code total} batches
     */
    public static Iterator<long[]> iterator(int epoch, int total, IntFunction<long[]> batch) {
        return new Iterator<>() {
            private int produced;

            @Override
            public boolean hasNext() {
                return produced < total;
            }

            @Override
            public long[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("Epoch " + epoch + " has only " + total + " batches.");
                }
                return batch.apply(produced++);
            }
        };
    }

    /** The batches as the lists of indices a DJL {@code Sampler} yields. */
    static Iterator<List<Long>> asLists(Iterator<long[]> batches) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public List<Long> next() {
                return Arrays.stream(batches.next()).boxed().toList();
            }
        };
    }

    /**
     * The indices of every label, grouped by label in ascending order.
     *
     * @throws IllegalArgumentException at the first negative label
     */
    static TreeMap<Integer, List<Integer>> indicesByLabel(int[] labels) {
        TreeMap<Integer, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("Label at index " + i + " is negative: " + labels[i] + ".");
            }
            byLabel.computeIfAbsent(labels[i], c -> new ArrayList<>()).add(i);
        }
        return byLabel;
    }
}
