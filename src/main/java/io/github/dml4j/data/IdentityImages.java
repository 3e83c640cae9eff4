package io.github.dml4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Face images grouped by identity, as loaded by {@link IdentityFolder}: the pixels and labels
 * ({@link #images()}, label = index of the identity in {@link #identities()}), the file each
 * image came from, the files that were skipped and why, and the identities with a single image.
 *
 * <p>It is what face-recognition workflows need around the pixels: identity names for
 * identification results, file paths for reports, lookups by LFW's naming
 * ({@code Name/Name_0001.jpg}, used by {@code pairs.txt}, see {@link PairList}), and the
 * singletons, which can serve in a gallery or as negatives but can never form a positive pair.
 * Immutable. The images may be any {@link ImageSource}; {@link IdentityFolder} loads them into
 * {@link LabeledImages}.
 */
public final class IdentityImages {

    private static final Pattern LFW_NUMBER = Pattern.compile("_(\\d{1,9})$");

    private final ImageSource images;
    private final List<String> identities;
    private final List<String> paths;
    private final List<SkippedFile> skipped;
    private final int[] counts;
    private final int[] imageNumbers;
    private final Map<String, Integer> identityIndex = new HashMap<>();
    private final Map<String, Integer> pathIndex = new HashMap<>();
    private final Map<String, Integer> lfwIndex = new HashMap<>();

    /**
     * A file that was not loaded.
     *
     * @param path the file, relative to the root with {@code /} separators
     * @param reason why it was skipped, a full sentence naming the file
     */
    public record SkippedFile(String path, String reason) {

        /** Checks that both parts are present. */
        public SkippedFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(reason, "reason");
        }
    }

    private IdentityImages(ImageSource images, List<String> identities, List<String> paths, List<SkippedFile> skipped) {
        this.images = images;
        this.identities = List.copyOf(identities);
        this.paths = List.copyOf(paths);
        this.skipped = List.copyOf(skipped);
        for (int i = 0; i < this.identities.size(); i++) {
            if (identityIndex.put(this.identities.get(i), i) != null) {
                throw new IllegalArgumentException("Identity '" + this.identities.get(i) + "' is named twice.");
            }
        }
        if (this.paths.size() != images.size()) {
            throw new IllegalArgumentException("Got " + this.paths.size() + " file paths for " + images.size() + " images.");
        }
        this.counts = new int[this.identities.size()];
        this.imageNumbers = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            int label = images.label(i);
            if (label >= counts.length) {
                throw new IllegalArgumentException("Image " + i + " (" + this.paths.get(i) + ") has label " + label
                        + " but there are only " + counts.length + " identities.");
            }
            counts[label]++;
            String path = this.paths.get(i);
            if (pathIndex.put(path, i) != null) {
                throw new IllegalArgumentException("The file path '" + path + "' is given for two images.");
            }
            imageNumbers[i] = lfwNumber(this.identities.get(label), path);
            if (imageNumbers[i] > 0) {
                lfwIndex.putIfAbsent(lfwKey(this.identities.get(label), imageNumbers[i]), i);
            }
        }
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] == 0) {
                throw new IllegalArgumentException("Identity '" + this.identities.get(c) + "' (label " + c + ") has no image.");
            }
        }
    }

    /**
     * Wraps images whose labels index {@code identities}, with the file path of each image.
     *
     * @param images the images; label {@code l} is identity {@code identities.get(l)}
     * @param identities distinct identity names, each with at least one image
     * @param paths one distinct path per image, relative with {@code /} separators
     * @return the identity set, with no skipped files
     * @throws IllegalArgumentException if the parts do not agree
     */
    public static IdentityImages of(ImageSource images, List<String> identities, List<String> paths) {
        return of(images, identities, paths, List.of());
    }

    static IdentityImages of(ImageSource images, List<String> identities, List<String> paths, List<SkippedFile> skipped) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(identities, "identities");
        Objects.requireNonNull(paths, "paths");
        return new IdentityImages(images, identities, paths, skipped);
    }

    /** The pixels and labels; label = identity index. */
    public ImageSource images() {
        return images;
    }

    /** Number of images. */
    public int size() {
        return images.size();
    }

    /** The identity names, indexed by label (in sorted folder-name order when loaded from a folder). */
    public List<String> identities() {
        return identities;
    }

    /** Number of identities. */
    public int numIdentities() {
        return identities.size();
    }

    /**
     * The name of an identity.
     *
     * @param label an identity index
     * @return its name
     */
    public String identity(int label) {
        return identities.get(label);
    }

    /**
     * The label of an identity.
     *
     * @param name an identity name
     * @return its index, or -1 if there is no such identity
     */
    public int identityIndex(String name) {
        return identityIndex.getOrDefault(name, -1);
    }

    /**
     * Number of images of an identity.
     *
     * @param label an identity index
     * @return its image count, at least 1
     */
    public int imageCount(int label) {
        return counts[label];
    }

    /** The file of every image, relative to the root with {@code /} separators, indexed like the images. */
    public List<String> paths() {
        return paths;
    }

    /**
     * The file of one image.
     *
     * @param index an image index
     * @return its path relative to the root, e.g. {@code Aaron_Peirsol/Aaron_Peirsol_0001.jpg}
     */
    public String path(int index) {
        return paths.get(index);
    }

    /**
     * Looks an image up by its file.
     *
     * @param relativePath the path relative to the root with {@code /} separators
     * @return the image index, or -1 if no image came from that file
     */
    public int indexOf(String relativePath) {
        return pathIndex.getOrDefault(relativePath, -1);
    }

    /**
     * Looks an image up as LFW's {@code pairs.txt} names it: image {@code n} of identity
     * {@code Name} is the file {@code Name/Name_000n.<ext>} (any number of digits, any extension).
     *
     * @param identity the identity name
     * @param imageNumber the number in the file name, from 1
     * @return the image index, or -1 if there is no such image
     */
    public int indexOf(String identity, int imageNumber) {
        return lfwIndex.getOrDefault(lfwKey(identity, imageNumber), -1);
    }

    /**
     * The LFW number of an image: {@code n} for a file {@code Name/Name_000n.<ext>} of identity
     * {@code Name}.
     *
     * @param index an image index
     * @return the number, or -1 if the file is not named that way
     */
    public int imageNumber(int index) {
        return imageNumbers[index];
    }

    /** The files that were skipped while loading, in the order they were met. */
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /**
     * The identities with exactly one image: usable in a gallery or as negatives, never for a
     * positive pair.
     *
     * @return their names, in label order
     */
    public List<String> singletons() {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] == 1) {
                names.add(identities.get(c));
            }
        }
        return List.copyOf(names);
    }

    /**
     * The images of some identities only, relabelled 0..k-1 in the order of their current
     * labels, with their paths and the skipped files of their folders. From {@link LabeledImages}
     * the images are copied; from another source they are a view of it.
     *
     * @param labels the identities to keep, distinct
     * @return the smaller identity set
     * @throws IllegalArgumentException if a label is repeated or out of range
     */
    public IdentityImages selectIdentities(int[] labels) {
        int[] sorted = labels.clone();
        Arrays.sort(sorted);
        int[] newLabel = new int[identities.size()];
        Arrays.fill(newLabel, -1);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= identities.size()) {
                throw new IllegalArgumentException("Identity label " + sorted[i] + " is outside the "
                        + identities.size() + " identities.");
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("Identity label " + sorted[i] + " is selected twice.");
            }
            newLabel[sorted[i]] = i;
            names.add(identities.get(sorted[i]));
        }
        int[] keep = IntStream.range(0, size()).filter(i -> newLabel[images.label(i)] >= 0).toArray();
        int[] relabelled = new int[keep.length];
        List<String> keptPaths = new ArrayList<>(keep.length);
        for (int i = 0; i < keep.length; i++) {
            relabelled[i] = newLabel[images.label(keep[i])];
            keptPaths.add(paths.get(keep[i]));
        }
        Set<String> kept = new HashSet<>(names);
        List<SkippedFile> keptSkipped = skipped.stream()
                .filter(s -> s.path().contains("/") && kept.contains(s.path().substring(0, s.path().indexOf('/'))))
                .toList();
        ImageSource keptImages = images instanceof LabeledImages held
                ? held.subset(keep).withLabels(relabelled)
                : IndexView.of(images, keep, relabelled);
        return new IdentityImages(keptImages, names, keptPaths, keptSkipped);
    }

    private static int lfwNumber(String identity, String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        int dot = file.lastIndexOf('.');
        String stem = dot > 0 ? file.substring(0, dot) : file;
        Matcher m = LFW_NUMBER.matcher(stem);
        if (!m.find() || !stem.substring(0, m.start()).equals(identity)) {
            return -1;
        }
        int n = Integer.parseInt(m.group(1));
        return n > 0 ? n : -1;
    }

    private static String lfwKey(String identity, int number) {
        return identity + '/' + number;
    }

    @Override
    public String toString() {
        return "IdentityImages{" + size() + " images of " + identities.size() + " identities, "
                + singletons().size() + " singletons, " + skipped.size() + " skipped files}";
    }
}
