package io.github.dml4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a list of labelled image files, one {@code path<TAB>label} or {@code path,label} line per
 * image (UTF-8; the last tab, or if there is none the last comma, separates the two, so a path
 * may hold commas; blank lines and lines starting with {@code #} are ignored). A relative path is
 * relative to the list file's folder. The label is a class name.
 */
final class ImageListFile {

    private ImageListFile() {}

    /**
     * Reads and checks a list.
     *
     * @param list the list file
     * @return one image per line, in file order
     * @throws IOException naming the list if it cannot be read or names no image; naming the line
     *     number if a line is malformed; naming the file and the line if an image file is missing
     */
    static List<ListedImage> read(Path list) throws IOException {
        if (!Files.isRegularFile(list)) {
            throw new IOException("The image list " + list + " does not exist or is not a file.");
        }
        Path base = list.toAbsolutePath().getParent();
        List<ListedImage> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                if (number == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                if (text.isBlank() || text.stripLeading().startsWith("#")) {
                    continue;
                }
                int cut = text.lastIndexOf('\t');
                if (cut < 0) {
                    cut = text.lastIndexOf(',');
                }
                String path = cut < 0 ? "" : text.substring(0, cut).strip();
                String label = cut < 0 ? "" : text.substring(cut + 1).strip();
                if (path.isEmpty() || label.isEmpty()) {
                    throw new IOException("Line " + number + " of the image list " + list + " is malformed: expected"
                            + " 'path<TAB>label' or 'path,label', got '" + text + "'.");
                }
                Path file = base.resolve(path).normalize();
                if (!Files.isRegularFile(file)) {
                    throw new IOException("The image file " + file + " named on line " + number + " of the image list "
                            + list + (Files.exists(file) ? " is not a file." : " does not exist."));
                }
                lines.add(new ListedImage(file, path, label));
            }
        }
        if (lines.isEmpty()) {
            throw new IOException("The image list " + list + " names no image.");
        }
        return lines;
    }
}
