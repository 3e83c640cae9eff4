package io.github.dml4j.data;

import ai.djl.ndarray.NDManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a face set laid out as one sub-folder per identity (LFW, CASIA-WebFace, VGGFace2, the
 * AT&amp;T faces...) into {@link IdentityImages}: every JPEG, PNG, PGM or PPM file of
 * {@code root/<identity>/} is decoded with {@link ImageFiles}, brought to one size by an
 * {@link ImagePreprocessing} and stored as 8-bit pixels; the label is the index of the identity
 * in sorted folder-name order, and files are read in sorted name order, so a folder always
 * loads the same way.
 *
 * <p>Bad input is reported, not hidden: a file that is not an image, cannot be decoded or is
 * corrupt (a truncated JPEG included) is skipped with exactly one SLF4J warning naming it, and
 * listed with its reason in {@link IdentityImages#skipped()}; with
 * {@code optOnUnreadable(OnUnreadable.FAIL)} the first such file stops the load instead. Files
 * directly under the root and folders inside an identity folder are skipped the same way; an
 * identity folder without any readable image is left out with a warning. Identities with one
 * image are kept (see {@link IdentityImages#singletons()}).
 *
 * <pre>{@code
 * IdentityImages lfw = IdentityFolder.builder()
 *         .setRoot(Path.of("lfw"))
 *         .setPreprocessing(ImagePreprocessing.builder().setSize(112, 112).build())
 *         .build()
 *         .load();
 * }</pre>
 */
public final class IdentityFolder {

    private static final Logger logger = LoggerFactory.getLogger(IdentityFolder.class);

    /**
     * The file extensions read by default: {@code jpg}, {@code jpeg}, {@code png}, and the Netpbm
     * family {@code pgm}, {@code ppm}, {@code pnm}, {@code pbm}.
     */
    public static final Set<String> DEFAULT_EXTENSIONS = Set.of("jpg", "jpeg", "png", "pgm", "ppm", "pnm", "pbm");

    /** What loading does with a file that is not a readable image. */
    public enum OnUnreadable {
        /** Skip it with one warning naming the file and record it in {@link IdentityImages#skipped()}. */
        SKIP,
        /** Stop the load with an {@link IOException} naming the file. */
        FAIL
    }

    private final Path root;
    private final ImagePreprocessing preprocessing;
    private final OnUnreadable onUnreadable;
    private final Set<String> extensions;

    private IdentityFolder(Builder b) {
        this.root = b.root;
        this.preprocessing = b.preprocessing;
        this.onUnreadable = b.onUnreadable;
        this.extensions = Set.copyOf(b.extensions);
    }

    /**
     * A builder; the root and the preprocessing are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads every identity folder under the root.
     *
     * @return the images, identities, paths, skipped files and singletons
     * @throws IOException naming the root if it is missing, not a directory, has no identity
     *     sub-folder or no readable image at all; naming the file in {@link OnUnreadable#FAIL} mode
     * @throws IllegalArgumentException if the images are too many to hold in memory at this size
     */
    public IdentityImages load() throws IOException {
        List<IdentityImages.SkippedFile> skipped = new ArrayList<>();
        ClassFolderListing listing = ClassFolderListing.list(root, extensions,
                (entry, reason) -> skip(skipped, entry, reason, null));
        List<Path> folders = listing.folders();
        List<List<Path>> candidates = listing.files();
        long total = listing.total();
        int perImage = preprocessing.channels() * preprocessing.height() * preprocessing.width();
        if (total * perImage > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(total + " images of " + preprocessing.imageShape() + " need "
                    + total * perImage + " bytes, more than one in-memory image set can hold (2 GB): choose a"
                    + " smaller size or grayscale in the ImagePreprocessing.");
        }
        byte[] pixels = new byte[(int) (total * perImage)];
        int[] labels = new int[(int) total];
        List<String> identities = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        int n = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int f = 0; f < folders.size(); f++) {
                int before = n;
                for (Path file : candidates.get(f)) {
                    byte[] chw;
                    try {
                        chw = preprocessing.apply(ImageFiles.read(file), manager);
                    } catch (IOException | RuntimeException e) {
                        skip(skipped, file, e.getMessage(), e);
                        continue;
                    }
                    System.arraycopy(chw, 0, pixels, n * perImage, perImage);
                    labels[n] = identities.size();
                    paths.add(relative(file));
                    n++;
                }
                if (n > before) {
                    identities.add(listing.name(f));
                } else {
                    logger.warn("The identity folder {} holds no readable image; the identity is left out.", folders.get(f));
                }
            }
        }
        if (n == 0) {
            throw new IOException("No readable image was found under the identity folder root " + root + " ("
                    + skipped.size() + " files skipped).");
        }
        if (n < total) {
            pixels = Arrays.copyOf(pixels, n * perImage);
            labels = Arrays.copyOf(labels, n);
        }
        IdentityImages loaded = IdentityImages.of(LabeledImages.adopt(pixels, labels, preprocessing.channels(),
                preprocessing.height(), preprocessing.width()), identities, paths, skipped);
        logger.info("Loaded {} images of {} identities from {} ({}; {} singletons, {} files skipped)", loaded.size(),
                loaded.numIdentities(), root, preprocessing, loaded.singletons().size(), skipped.size());
        return loaded;
    }

    private void skip(List<IdentityImages.SkippedFile> skipped, Path file, String reason, Exception cause)
            throws IOException {
        if (onUnreadable == OnUnreadable.FAIL) {
            throw new IOException(reason, cause);
        }
        logger.warn("Skipping a file: {}", reason);
        skipped.add(new IdentityImages.SkippedFile(relative(file), reason));
    }

    private String relative(Path file) {
        return ClassFolderListing.relative(root, file);
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** How each image is sized and coloured. */
    public ImagePreprocessing preprocessing() {
        return preprocessing;
    }

    /** What happens to unreadable files. */
    public OnUnreadable onUnreadable() {
        return onUnreadable;
    }

    /** The accepted file extensions, lower case without the dot. */
    public Set<String> extensions() {
        return extensions;
    }

    @Override
    public String toString() {
        return "IdentityFolder{" + root + ", " + preprocessing + ", " + onUnreadable + ", " + new TreeSet<>(extensions) + '}';
    }

    /** Builder of {@link IdentityFolder}. */
    public static final class Builder {
        private Path root;
        private ImagePreprocessing preprocessing;
        private OnUnreadable onUnreadable = OnUnreadable.SKIP;
        private Set<String> extensions = DEFAULT_EXTENSIONS;

        private Builder() {}

        /**
         * The folder holding one sub-folder per identity (required).
         *
         * @param root the root folder
         * @return this builder
         */
        public Builder setRoot(Path root) {
            this.root = root;
            return this;
        }

        /**
         * How each image is sized and coloured (required).
         *
         * @param preprocessing the preprocessing
         * @return this builder
         */
        public Builder setPreprocessing(ImagePreprocessing preprocessing) {
            this.preprocessing = preprocessing;
            return this;
        }

        /**
         * What to do with a file that is not a readable image (default {@link OnUnreadable#SKIP}).
         *
         * @param onUnreadable skip with a warning, or fail
         * @return this builder
         */
        public Builder optOnUnreadable(OnUnreadable onUnreadable) {
            this.onUnreadable = onUnreadable;
            return this;
        }

        /**
         * The file extensions to read, matched case-insensitively, with or without the dot
         * (default {@link #DEFAULT_EXTENSIONS}); files with other extensions are skipped.
         *
         * @param extensions for example {@code "jpg", "png"}
         * @return this builder
         */
        public Builder optExtensions(String... extensions) {
            Set<String> set = new TreeSet<>();
            for (String e : Objects.requireNonNull(extensions, "extensions")) {
                if (e == null || e.isBlank() || e.equals(".")) {
                    throw new IllegalArgumentException("A file extension of IdentityFolder (optExtensions) is empty.");
                }
                set.add((e.startsWith(".") ? e.substring(1) : e).toLowerCase(Locale.ROOT));
            }
            this.extensions = set;
            return this;
        }

        /**
         * Validates the settings and builds the loader.
         *
         * @return the loader
         * @throws IllegalArgumentException naming the missing or bad setting
         */
        public IdentityFolder build() {
            if (root == null) {
                throw new IllegalArgumentException("The root of an IdentityFolder must be set with setRoot(...).");
            }
            if (preprocessing == null) {
                throw new IllegalArgumentException("The preprocessing of an IdentityFolder must be set with"
                        + " setPreprocessing(...).");
            }
            if (onUnreadable == null) {
                throw new IllegalArgumentException("What an IdentityFolder does with unreadable files"
                        + " (optOnUnreadable) must not be null.");
            }
            if (extensions.isEmpty()) {
                throw new IllegalArgumentException("An IdentityFolder needs at least one file extension (optExtensions).");
            }
            return new IdentityFolder(this);
        }
    }
}
