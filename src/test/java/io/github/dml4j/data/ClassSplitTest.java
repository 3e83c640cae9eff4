package io.github.dml4j.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassSplitTest {

    private final LabeledImages data = TestImages.generate(10, 20, 4, 4, 3);

    @Test
    void disjointSplitsByClassKeepingOrder() {
        ClassSplit split = ClassSplit.disjoint(data, label -> label % 3 == 0);
        assertTrue(split.isClassDisjoint());
        assertEquals(data.size(), split.train().size() + split.test().size());
        assertTrue(Arrays.stream(split.train().labels()).allMatch(l -> l % 3 == 0));
        assertTrue(Arrays.stream(split.test().labels()).noneMatch(l -> l % 3 == 0));
        assertEquals(80, split.train().size());
        // original order: train is images 0, 3, 6, 9, 10, 13, ...
        assertArrayEquals(data.imageBytes(3), split.train().imageBytes(1));
    }

    @Test
    void zeroShotTakesClasses0To4FromTrainAnd5To9FromTest() {
        LabeledImages test = TestImages.generate(10, 6, 4, 4, 4);
        ClassSplit split = ClassSplit.zeroShot(data, test);
        assertTrue(split.isClassDisjoint());
        assertEquals(100, split.train().size());
        assertEquals(30, split.test().size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, Arrays.stream(split.train().labels()).distinct().sorted().toArray());
        assertArrayEquals(new int[] {5, 6, 7, 8, 9}, Arrays.stream(split.test().labels()).distinct().sorted().toArray());
        assertArrayEquals(test.imageBytes(5), split.test().imageBytes(0));
        assertFalse(new ClassSplit(data, test).isClassDisjoint());
    }

    @Test
    void emptySideIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassSplit.disjoint(data, label -> true));
        assertEquals("The class split leaves no test images: every label of the 200 test-source images is a"
                + " training class.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClassSplit.disjoint(data, label -> label > 99));
        assertEquals("The class split leaves no training images: no label of the 200 training-source images is a"
                + " training class.", e.getMessage());
    }

    @Test
    void stratifiedSampleIsBalancedDistinctAndDeterministic() {
        ImageSource a = ClassSplit.stratifiedSample(data, 7, 0);
        assertEquals(70, a.size());
        Map<Integer, Long> counts = Arrays.stream(a.labels()).boxed()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertEquals(10, counts.size());
        assertTrue(counts.values().stream().allMatch(c -> c == 7));
        // images are distinct (random pixels are unique with overwhelming probability)
        assertEquals(70, java.util.stream.IntStream.range(0, a.size())
                .mapToObj(i -> Arrays.toString(a.imageBytes(i))).distinct().count());

        assertTrue(TestImages.same(a, ClassSplit.stratifiedSample(data, 7, 0)));
        assertFalse(TestImages.same(a, ClassSplit.stratifiedSample(data, 7, 1)));
        // all of a class is the whole class
        assertTrue(TestImages.same(data, ClassSplit.stratifiedSample(data, 20, 5)));
    }

    @Test
    void stratifiedSampleRejectsTooFewImages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassSplit.stratifiedSample(data, 21, 0));
        assertEquals("Class 0 has only 20 images, fewer than the 21 per class requested.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClassSplit.stratifiedSample(data, 0, 0));
        assertEquals("The number of images per class must be positive, got 0.", e.getMessage());
    }
}
