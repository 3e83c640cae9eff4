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

/**
 * Lists the image files of a folder laid out as one sub-folder per class or identity, the way
 * {@link IdentityFolder} and {@link StreamingImages} read it: sub-folders of the root in sorted
 * name order (the label of a class is its position), and in each the files whose extension is
 * one of a set, in sorted name order. Files directly under the root, folders inside a class
 * folder and files of other extensions are handed to a {@link Skipper} with a sentence naming
 * them. Nothing is decoded here.
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

    private final List<Path> folders;
    private final List<List<Path>> files;

    private ClassFolderListing(List<Path> folders, List<List<Path>> files) {
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
        List<List<Path>> files = new ArrayList<>();
        List<Path> leftOut = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        Path nested = null;
        int candidates = 0;
        for (Path folder : folders) {
            List<Path> inFolder = new ArrayList<>();
            for (Path entry : sortedEntries(folder)) {
                if (Files.isDirectory(entry)) {
                    nested = nested == null ? entry : nested;
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
        if (candidates == 0 && nested != null) {
            // a layout one level deeper (alphabet/character/image, person/album/image): say so once
            throw new IOException("The identity folder root " + root + " holds folders of folders (" + nested
                    + ") and no image one level down: identity folders must hold their images directly. Point at"
                    + " the folder that holds the identity folders (such as " + nested.getParent() + ").");
        }
        for (int i = 0; i < leftOut.size(); i++) {
            skipper.skip(leftOut.get(i), reasons.get(i));
        }
        return new ClassFolderListing(folders, files);
    }

    /** The class folders, in label order. */
    List<Path> folders() {
        return folders;
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
