package io.github.dml4j.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A fixed list of verification pairs with their folds: pair {@code i} compares image
 * {@link #first()}{@code [i]} with image {@link #second()}{@code [i]}, is a matched pair (same
 * identity) when {@link #same()}{@code [i]} holds, and belongs to fold {@link #foldIds()}{@code [i]}.
 * The arrays feed {@code eval.KFoldVerification.kFold(scores, same, foldIds)} directly.
 *
 * <p>{@link #read(Path, IdentityImages)} parses LFW's {@code pairs.txt} layout; {@link #write}
 * writes it; {@link PairGenerator} draws a list for sets that come without one. The layout: a
 * header line {@code folds<TAB>pairsPerFold} (or a single count, as in {@code pairsDevTrain.txt},
 * meaning one fold), then for each fold {@code pairsPerFold} matched lines {@code name n1 n2}
 * followed by {@code pairsPerFold} mismatched lines {@code name1 n1 name2 n2}, where image
 * {@code n} of {@code name} is the file {@code name/name_000n.jpg} (see
 * {@link IdentityImages#indexOf(String, int)}). Fields are separated by tabs in LFW; any
 * whitespace is accepted. Immutable.
 */
public final class PairList {

    private final int[] first;
    private final int[] second;
    private final boolean[] same;
    private final int[] foldIds;
    private final int folds;

    private PairList(int[] first, int[] second, boolean[] same, int[] foldIds) {
        this.first = first;
        this.second = second;
        this.same = same;
        this.foldIds = foldIds;
        this.folds = Arrays.stream(foldIds).max().orElse(-1) + 1;
    }

    /**
     * A pair list from its parts (copied).
     *
     * @param first first image of each pair
     * @param second second image of each pair
     * @param same whether each pair is matched
     * @param foldIds the fold of each pair, from 0
     * @return the list
     * @throws IllegalArgumentException if the lengths differ or an index or fold id is negative
     */
    public static PairList of(int[] first, int[] second, boolean[] same, int[] foldIds) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        Objects.requireNonNull(same, "same");
        Objects.requireNonNull(foldIds, "foldIds");
        int n = first.length;
        if (second.length != n || same.length != n || foldIds.length != n) {
            throw new IllegalArgumentException("A pair list needs as many second images, same flags and fold ids as"
                    + " first images (" + n + "), got " + second.length + ", " + same.length + " and "
                    + foldIds.length + ".");
        }
        for (int i = 0; i < n; i++) {
            if (first[i] < 0 || second[i] < 0) {
                throw new IllegalArgumentException("Pair " + i + " has a negative image index: (" + first[i] + ", "
                        + second[i] + ").");
            }
            if (foldIds[i] < 0) {
                throw new IllegalArgumentException("Pair " + i + " has a negative fold id: " + foldIds[i] + ".");
            }
        }
        return new PairList(first.clone(), second.clone(), same.clone(), foldIds.clone());
    }

    /** Number of pairs. */
    public int size() {
        return first.length;
    }

    /** Number of folds: the largest fold id plus one. */
    public int folds() {
        return folds;
    }

    /** The first image index of each pair; a copy. */
    public int[] first() {
        return first.clone();
    }

    /** The second image index of each pair; a copy. */
    public int[] second() {
        return second.clone();
    }

    /** Whether each pair is matched (same identity); a copy. */
    public boolean[] same() {
        return same.clone();
    }

    /** The fold of each pair, from 0; a copy. */
    public int[] foldIds() {
        return foldIds.clone();
    }

    /** Number of matched pairs. */
    public int matchedCount() {
        int c = 0;
        for (boolean s : same) {
            c += s ? 1 : 0;
        }
        return c;
    }

    /**
     * Parses a {@code pairs.txt} file against loaded images.
     *
     * @param file the pairs file
     * @param images the images it names
     * @return the pairs in file order, fold ids from 0
     * @throws IOException if the file cannot be read, or naming the file and the line if the
     *     header or a line is malformed, a line names an identity or image that is not in
     *     {@code images}, or the file has too few or too many lines for its header
     */
    public static PairList read(Path file, IdentityImages images) throws IOException {
        Objects.requireNonNull(images, "images");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int lineNo = 0;
        while (lineNo < lines.size() && lines.get(lineNo).isBlank()) {
            lineNo++;
        }
        if (lineNo == lines.size()) {
            throw new IOException("The pairs file " + file + " is empty.");
        }
        String[] header = fields(lines.get(lineNo));
        int folds;
        int perFold;
        if (header.length == 1) {
            folds = 1;
            perFold = positive(file, lineNo + 1, header[0], "pair count");
        } else if (header.length == 2) {
            folds = positive(file, lineNo + 1, header[0], "fold count");
            perFold = positive(file, lineNo + 1, header[1], "pairs per fold");
        } else {
            throw new IOException(at(file, lineNo + 1) + "the header must be 'folds<TAB>pairsPerFold' or a single"
                    + " pair count, got '" + lines.get(lineNo).strip() + "'.");
        }
        long total = 2L * folds * perFold;
        if (total > Integer.MAX_VALUE) {
            throw new IOException(at(file, lineNo + 1) + "the header announces " + total + " pairs, too many.");
        }
        int n = (int) total;
        int[] first = new int[n];
        int[] second = new int[n];
        boolean[] same = new boolean[n];
        int[] foldIds = new int[n];
        int k = 0;
        for (lineNo++; lineNo < lines.size(); lineNo++) {
            String line = lines.get(lineNo);
            if (line.isBlank()) {
                continue;
            }
            if (k == n) {
                throw new IOException(at(file, lineNo + 1) + "the header announces " + folds + " folds of " + perFold
                        + " matched and " + perFold + " mismatched pairs, but more lines follow.");
            }
            boolean matched = k % (2 * perFold) < perFold;
            String[] f = fields(line);
            if (matched) {
                if (f.length != 3) {
                    throw new IOException(at(file, lineNo + 1) + "a matched pair 'name n1 n2' was expected (pair "
                            + (k + 1) + "), got " + f.length + " fields: '" + line.strip() + "'.");
                }
                first[k] = image(file, lineNo + 1, images, f[0], f[1]);
                second[k] = image(file, lineNo + 1, images, f[0], f[2]);
                if (first[k] == second[k]) {
                    throw new IOException(at(file, lineNo + 1) + "the matched pair names image " + f[1] + " of "
                            + f[0] + " twice.");
                }
            } else {
                if (f.length != 4) {
                    throw new IOException(at(file, lineNo + 1) + "a mismatched pair 'name1 n1 name2 n2' was expected"
                            + " (pair " + (k + 1) + "), got " + f.length + " fields: '" + line.strip() + "'.");
                }
                if (f[0].equals(f[2])) {
                    throw new IOException(at(file, lineNo + 1) + "the mismatched pair names identity " + f[0] + " twice.");
                }
                first[k] = image(file, lineNo + 1, images, f[0], f[1]);
                second[k] = image(file, lineNo + 1, images, f[2], f[3]);
            }
            same[k] = matched;
            foldIds[k] = k / (2 * perFold);
            k++;
        }
        if (k < n) {
            throw new IOException("The pairs file " + file + " ends after " + k + " pairs, but its header announces "
                    + folds + " folds of " + perFold + " matched and " + perFold + " mismatched pairs (" + n + ").");
        }
        return new PairList(first, second, same, foldIds);
    }

    /**
     * Writes this list in the {@code pairs.txt} layout: a {@code folds<TAB>pairsPerFold} header,
     * then per fold its matched pairs and then its mismatched pairs, each in list order.
     *
     * @param file the file to write
     * @param images the images the indices refer to; each must be named LFW-style
     *     ({@code Name/Name_0001.jpg}, see {@link IdentityImages#imageNumber(int)})
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if an index is outside {@code images}, an image has no LFW
     *     number, a pair's flag disagrees with the labels, or the folds do not each hold the same
     *     number of matched and mismatched pairs, as the layout requires
     */
    public void write(Path file, IdentityImages images) throws IOException {
        Objects.requireNonNull(images, "images");
        if (size() == 0) {
            throw new IllegalArgumentException("An empty pair list cannot be written as a pairs file.");
        }
        int[] matched = new int[folds];
        int[] mismatched = new int[folds];
        for (int i = 0; i < size(); i++) {
            for (int index : new int[] {first[i], second[i]}) {
                if (index >= images.size()) {
                    throw new IllegalArgumentException("Pair " + i + " names image " + index + ", outside the "
                            + images.size() + " images.");
                }
                if (images.imageNumber(index) < 0) {
                    throw new IllegalArgumentException("Image " + index + " (" + images.path(index) + ") is not named"
                            + " LFW-style (Name/Name_0001.jpg), so a pairs file cannot name it.");
                }
            }
            boolean sameLabel = images.images().label(first[i]) == images.images().label(second[i]);
            if (sameLabel != same[i]) {
                throw new IllegalArgumentException("Pair " + i + " is marked " + (same[i] ? "matched" : "mismatched")
                        + " but its images are of " + (sameLabel ? "the same identity" : "different identities") + ".");
            }
            if (same[i]) {
                matched[foldIds[i]]++;
            } else {
                mismatched[foldIds[i]]++;
            }
        }
        for (int f = 0; f < folds; f++) {
            if (matched[f] != matched[0] || mismatched[f] != matched[0]) {
                throw new IllegalArgumentException("The pairs file layout needs every fold to hold the same number of"
                        + " matched and mismatched pairs; fold " + f + " holds " + matched[f] + " matched and "
                        + mismatched[f] + " mismatched, fold 0 " + matched[0] + " matched.");
            }
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(folds + "\t" + matched[0] + "\n");
            for (int f = 0; f < folds; f++) {
                for (boolean wantSame : new boolean[] {true, false}) {
                    for (int i = 0; i < size(); i++) {
                        if (foldIds[i] == f && same[i] == wantSame) {
                            out.write(line(images, i));
                        }
                    }
                }
            }
        }
    }

    private String line(IdentityImages images, int i) {
        String a = images.identity(images.images().label(first[i]));
        if (same[i]) {
            return a + "\t" + images.imageNumber(first[i]) + "\t" + images.imageNumber(second[i]) + "\n";
        }
        String b = images.identity(images.images().label(second[i]));
        return a + "\t" + images.imageNumber(first[i]) + "\t" + b + "\t" + images.imageNumber(second[i]) + "\n";
    }

    private static int image(Path file, int line, IdentityImages images, String name, String number) throws IOException {
        int n = positive(file, line, number, "image number of " + name);
        if (images.identityIndex(name) < 0) {
            throw new IOException(at(file, line) + "identity " + name + " is not among the " + images.numIdentities()
                    + " loaded identities.");
        }
        int index = images.indexOf(name, n);
        if (index < 0) {
            throw new IOException(at(file, line) + "image " + name + "/" + name + "_" + String.format(Locale.ROOT, "%04d", n)
                    + " is not among the loaded images of " + name + ".");
        }
        return index;
    }

    private static int positive(Path file, int line, String field, String what) throws IOException {
        try {
            int v = Integer.parseInt(field);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(at(file, line) + "the " + what + " must be a positive integer, got '" + field + "'.");
    }

    private static String[] fields(String line) {
        return line.strip().split("\\s+");
    }

    private static String at(Path file, int line) {
        return "The pairs file " + file + ", line " + line + ": ";
    }

    @Override
    public String toString() {
        return "PairList{" + size() + " pairs (" + matchedCount() + " matched) in " + folds + " folds}";
    }
}
