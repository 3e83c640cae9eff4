package io.github.dml4j.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * A train set and a test set, and the helpers that make class-disjoint ones.
 *
 * <p>Metric learning is often evaluated on classes never seen in training ("zero-shot"
 * retrieval): the embedding must generalize to new identities, not just separate the known
 * ones. {@link #disjoint(ImageSource, IntPredicate)} splits one set by class;
 * {@link #zeroShot(ImageSource, ImageSource)} builds the benchmark's {@code zeroshot} split
 * (train images of classes 0-4, test images of classes 5-9). The parts are made with
 * {@link ImageSource#subset(int[])}, so they are copies or views as the source makes them.
 *
 * @param train the training images
 * @param test the evaluation images
 */
public record ClassSplit(ImageSource train, ImageSource test) {

    /** Classes 0-4: the training classes of the benchmark's {@code zeroshot} split; 5-9 are tested. */
    public static final IntPredicate ZERO_SHOT_TRAIN_CLASSES = label -> label < 5;

    /**
     * Checks that neither set is null.
     *
     * @param train the training images
     * @param test the evaluation images
     */
    public ClassSplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
    }

    /**
     * Splits one set by class: images whose label satisfies {@code inTrain} go to train, the
     * others to test, each in their original order.
     *
     * @param data the images to split
     * @param inTrain which labels are training classes
     * @return a class-disjoint split
     * @throws IllegalArgumentException if either side would be empty
     */
    public static ClassSplit disjoint(ImageSource data, IntPredicate inTrain) {
        return disjoint(data, data, inTrain);
    }

    /**
     * Takes the training classes from one set and the other classes from another, as when a
     * dataset ships its own train and test files: train = images of {@code trainSource} whose
     * label satisfies {@code inTrain}, test = images of {@code testSource} whose label does not.
     *
     * @param trainSource where training images come from
     * @param testSource where test images come from
     * @param inTrain which labels are training classes
     * @return a class-disjoint split
     * @throws IllegalArgumentException if either side would be empty
     */
    public static ClassSplit disjoint(ImageSource trainSource, ImageSource testSource, IntPredicate inTrain) {
        Objects.requireNonNull(trainSource, "trainSource");
        Objects.requireNonNull(testSource, "testSource");
        Objects.requireNonNull(inTrain, "inTrain");
        ImageSource train = trainSource.filterLabels(inTrain);
        ImageSource test = testSource.filterLabels(inTrain.negate());
        if (train.size() == 0) {
            throw new IllegalArgumentException("The class split leaves no training images: no label of the "
                    + trainSource.size() + " training-source images is a training class.");
        }
        if (test.size() == 0) {
            throw new IllegalArgumentException("The class split leaves no test images: every label of the "
                    + testSource.size() + " test-source images is a training class.");
        }
        return new ClassSplit(train, test);
    }

    /**
     * The benchmark's {@code zeroshot} split: train images of classes 0-4 and test images of
     * classes 5-9 (see {@link #ZERO_SHOT_TRAIN_CLASSES}).
     *
     * @param trainFile the published training images (e.g. Fashion-MNIST's 60,000)
     * @param testFile the published test images (e.g. Fashion-MNIST's 10,000)
     * @return the class-disjoint split
     */
    public static ClassSplit zeroShot(ImageSource trainFile, ImageSource testFile) {
        return disjoint(trainFile, testFile, ZERO_SHOT_TRAIN_CLASSES);
    }

    /**
     * Whether no label occurs in both train and test.
     *
     * @return {@code true} if the two sets share no class
     */
    public boolean isClassDisjoint() {
        int[] a = Arrays.stream(train.labels()).distinct().sorted().toArray();
        return Arrays.stream(test.labels()).distinct().noneMatch(l -> Arrays.binarySearch(a, l) >= 0);
    }

    /**
     * A class-balanced random sample: {@code perClass} images of every label, drawn without
     * replacement, returned in their original order. The same data and seed always give the
     * same sample (classes are visited in ascending label order, each shuffled with one
     * {@link Random} seeded with {@code seed}).
     *
     * @param data the images to sample from
     * @param perClass images to take from each class, positive
     * @param seed random seed
     * @return {@code perClass * numClasses} images
     * @throws IllegalArgumentException if {@code perClass} is not positive or a class has fewer images
     */
    public static ImageSource stratifiedSample(ImageSource data, int perClass, long seed) {
        Objects.requireNonNull(data, "data");
        if (perClass <= 0) {
            throw new IllegalArgumentException("The number of images per class must be positive, got " + perClass + ".");
        }
        int[] labels = data.labels();
        TreeMap<Integer, int[]> byClass = new TreeMap<>();
        IntStream.range(0, labels.length).boxed()
                .collect(java.util.stream.Collectors.groupingBy(i -> labels[i]))
                .forEach((label, idx) -> byClass.put(label, idx.stream().mapToInt(Integer::intValue).toArray()));
        Random random = new Random(seed);
        int[] chosen = new int[perClass * byClass.size()];
        int k = 0;
        for (var e : byClass.entrySet()) {
            int[] idx = e.getValue();
            if (idx.length < perClass) {
                throw new IllegalArgumentException("Class " + e.getKey() + " has only " + idx.length
                        + " images, fewer than the " + perClass + " per class requested.");
            }
            // partial Fisher-Yates: the first perClass positions become a uniform sample
            for (int i = 0; i < perClass; i++) {
                int j = i + random.nextInt(idx.length - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
            System.arraycopy(idx, 0, chosen, k, perClass);
            k += perClass;
        }
        Arrays.sort(chosen);
        return data.subset(chosen);
    }
}
