package io.github.dml4j.data;

import java.nio.file.Path;

/**
 * One image file named by a folder listing or an image list, before it is decoded.
 *
 * @param file the file
 * @param path its path as reported to users: relative to the root or the list's folder, with
 *     {@code /} separators, or absolute as the list wrote it
 * @param className the name of its class (the folder name, or the list's label)
 */
record ListedImage(Path file, String path, String className) {}
