package io.github.dml4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the image files of a folder laid out as one sub-folder per class or identity, the way
 * {@link IdentityFolder} and {@link StreamingImages} read it: sub-folders of the root in sorted
 * name order (the label of a class is its position), and in each the files whose extension is
 * one of a set, in sorted name order. Files directly under the root, folders inside a class
 * folder and files of other extensions are handed to a {@link Skipper} with a sentence naming
 * them. A root whose sub-folders hold only folders (alphabet/character/image, as Omniglot) is
 * read one level deeper: the classes are the folders two levels down, named by their path under
 * the root ({@code Angelic/character01}). Nothing is decoded here.
 */
final class ClassFolderListing {

    /** Receives what the listing leaves out. */
    @FunctionalInterface
    interface Skipper {

        /**
         * @param file the file or folder left out
         * @param reason why, a full sentence naming it
         * @throws IOException to stop the listing
         */
        void skip(Path file, String reason) throws IOException;
    }

    private static final Logger logger = LoggerFactory.getLogger(ClassFolderListing.class);

    private final Path root;
    private final List<Path> folders;
    private final List<List<Path>> files;

    private ClassFolderListing(Path root, List<Path> folders, List<List<Path>> files) {
        this.root = root;
        this.folders = List.copyOf(folders);
        this.files = files.stream().map(List::copyOf).toList();
    }

    /**
     * Lists {@code root}.
     *
     * @param root the folder holding one sub-folder per class
     * @param extensions accepted extensions, lower case without the dot
     * @param skipper receives every entry left out
     * @return the class folders and their candidate image files
     * @throws IOException naming the root if it is missing, not a directory or has no sub-folder,
     *     or what the skipper throws
     */
    static ClassFolderListing list(Path root, Set<String> extensions, Skipper skipper) throws IOException {
        if (!Files.exists(root)) {
            throw new IOException("The identity folder root " + root + " does not exist.");
        }
        if (!Files.isDirectory(root)) {
            throw new IOException("The identity folder root " + root + " is not a directory.");
        }
        List<Path> folders = new ArrayList<>();
        for (Path entry : sortedEntries(root)) {
            if (Files.isDirectory(entry)) {
                folders.add(entry);
            } else {
                skipper.skip(entry, "The file " + entry + " is not inside an identity folder; images belong in"
                        + " one sub-folder per identity.");
            }
        }
        if (folders.isEmpty()) {
            throw new IOException("The identity folder root " + root + " holds no identity sub-folder: put the"
                    + " images of each identity in a sub-folder named after it.");
        }
        ClassFolderListing listing = listClasses(root, folders, extensions, skipper, false);
        if (listing != null) {
            return listing;
        }
        // no image one level down, only folders (alphabet/character/image, as Omniglot): the classes are the
        // folders two levels down, named by their path ("Angelic/character01")
        List<Path> deeper = new ArrayList<>();
        for (Path folder : folders) {
            for (Path entry : sortedEntries(folder)) {
                if (Files.isDirectory(entry)) {
                    deeper.add(entry);
                } else {
                    skipper.skip(entry, "The file " + entry + " is beside the identity folders of " + folder
                            + "; images belong in one sub-folder per identity.");
                }
            }
        }
        logger.info("The identity folder root {} holds folders of folders: its {} identities are the folders two"
                + " levels down (such as {})", root, deeper.size(), relative(root, deeper.get(0)));
        return listClasses(root, deeper, extensions, skipper, true);
    }

    /**
     * The candidate files of each class folder, or null (nothing skipped yet) when no class
     * folder holds an image but some hold folders and {@code last} is false.
     */
    private static ClassFolderListing listClasses(Path root, List<Path> folders, Set<String> extensions,
            Skipper skipper, boolean last) throws IOException {
        List<List<Path>> files = new ArrayList<>();
        List<Path> leftOut = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        boolean nested = false;
        int candidates = 0;
        for (Path folder : folders) {
            List<Path> inFolder = new ArrayList<>();
            for (Path entry : sortedEntries(folder)) {
                if (Files.isDirectory(entry)) {
                    nested = true;
                    leftOut.add(entry);
                    reasons.add("The folder " + entry + " is inside an identity folder; identity folders are not"
                            + " searched recursively.");
                } else if (!extensions.contains(extension(entry))) {
                    leftOut.add(entry);
                    reasons.add("The file " + entry + " is not an image: its extension is not one of "
                            + String.join(", ", new TreeSet<>(extensions)) + ".");
                } else {
                    inFolder.add(entry);
                }
            }
            candidates += inFolder.size();
            files.add(inFolder);
        }
        if (candidates == 0 && nested && !last) {
            return null;
        }
        for (int i = 0; i < leftOut.size(); i++) {
            skipper.skip(leftOut.get(i), reasons.get(i));
        }
        return new ClassFolderListing(root, folders, files);
    }

    /** The class folders, in label order. */
    List<Path> folders() {
        return folders;
    }

    /** The name of class {@code index}: its folder's path under the root ("Alice", or "Angelic/character01"). */
    String name(int index) {
        return relative(root, folders.get(index));
    }

    /** The candidate image files of each class folder, in sorted name order. */
    List<List<Path>> files() {
        return files;
    }

    /** The number of candidate image files in all folders. */
    long total() {
        return files.stream().mapToLong(List::size).sum();
    }

    /**
     * A file's path relative to the root, with {@code /} separators on every system.
     *
     * @param root the root
     * @param file a file under it
     * @return the relative path
     */
    static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** The lower-case extension of a file name without the dot, or "" if it has none. */
    static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static List<Path> sortedEntries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
    }
}
