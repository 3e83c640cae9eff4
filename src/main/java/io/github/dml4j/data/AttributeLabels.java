package io.github.dml4j.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The attribute labels of a set of loaded images, as {@link AttributeTable#align(IdentityImages)}
 * matches them: {@code labels(a)[i]} is attribute {@code a}'s value for image {@code i}
 * ({@link AttributeTable#MISSING} when unknown), with the table's rows that name no loaded
 * image and the images that have no row, by name, so that a caller can report them or refuse
 * to go on ({@link #requireComplete()}). Immutable.
 */
public final class AttributeLabels {

    private final List<AttributeTable.Attribute> attributes;
    private final int[][] labels;
    private final List<String> rowsWithoutImage;
    private final List<String> imagesWithoutRow;

    AttributeLabels(List<AttributeTable.Attribute> attributes, int[][] labels, List<String> rowsWithoutImage,
                    List<String> imagesWithoutRow) {
        this.attributes = List.copyOf(attributes);
        this.labels = labels;
        this.rowsWithoutImage = List.copyOf(rowsWithoutImage);
        this.imagesWithoutRow = List.copyOf(imagesWithoutRow);
    }

    /**
     * Labels from their parts (copied), for images that come with labels in memory.
     *
     * @param attributes the attributes
     * @param labels {@code labels[attribute][image]}, {@link AttributeTable#MISSING} when unknown
     * @return the labels, with nothing unmatched
     * @throws IllegalArgumentException if the sizes disagree or a value is outside its categories
     */
    public static AttributeLabels of(List<AttributeTable.Attribute> attributes, int[][] labels) {
        Objects.requireNonNull(attributes, "attributes");
        Objects.requireNonNull(labels, "labels");
        if (labels.length != attributes.size()) {
            throw new IllegalArgumentException("Got " + labels.length + " label arrays for " + attributes.size()
                    + " attributes.");
        }
        int[][] copy = new int[labels.length][];
        for (int a = 0; a < labels.length; a++) {
            if (labels[a].length != labels[0].length) {
                throw new IllegalArgumentException("Attribute '" + attributes.get(a).name() + "' has "
                        + labels[a].length + " labels, attribute '" + attributes.get(0).name() + "' "
                        + labels[0].length + ".");
            }
            for (int i = 0; i < labels[a].length; i++) {
                int v = labels[a][i];
                if (v != AttributeTable.MISSING && (v < 0 || v >= attributes.get(a).numClasses())) {
                    throw new IllegalArgumentException("Image " + i + " has value " + v + " for attribute '"
                            + attributes.get(a).name() + "', which has " + attributes.get(a).numClasses()
                            + " categories.");
                }
            }
            copy[a] = labels[a].clone();
        }
        return new AttributeLabels(attributes, copy, List.of(), List.of());
    }

    /** The attributes. */
    public List<AttributeTable.Attribute> attributes() {
        return attributes;
    }

    /** Number of images. */
    public int size() {
        return labels.length == 0 ? 0 : labels[0].length;
    }

    /**
     * One attribute's labels.
     *
     * @param attribute the attribute's index
     * @return each image's value (a copy), {@link AttributeTable#MISSING} when unknown
     */
    public int[] labels(int attribute) {
        return labels[attribute].clone();
    }

    /**
     * The labels of the images at {@code indices}, in that order, as a selection of images has them.
     *
     * @param indices image indices
     * @return the labels of those images, nothing unmatched
     */
    public AttributeLabels select(int[] indices) {
        int[][] out = new int[labels.length][indices.length];
        for (int a = 0; a < labels.length; a++) {
            for (int k = 0; k < indices.length; k++) {
                out[a][k] = labels[a][indices[k]];
            }
        }
        return new AttributeLabels(attributes, out, List.of(), List.of());
    }

    /** The table's rows (by the file they name) that name no loaded image. */
    public List<String> rowsWithoutImage() {
        return rowsWithoutImage;
    }

    /** The loaded images (by relative path) that have no row in the table. */
    public List<String> imagesWithoutRow() {
        return imagesWithoutRow;
    }

    /**
     * Checks that every row matched an image and every image has a row.
     *
     * @return this
     * @throws IllegalArgumentException naming (the first five of) the rows without image and the
     *     images without row
     */
    public AttributeLabels requireComplete() {
        if (rowsWithoutImage.isEmpty() && imagesWithoutRow.isEmpty()) {
            return this;
        }
        StringBuilder sb = new StringBuilder("The attribute table does not match the images:");
        if (!rowsWithoutImage.isEmpty()) {
            sb.append(' ').append(rowsWithoutImage.size()).append(" rows name no loaded image (")
                    .append(firstFive(rowsWithoutImage)).append(')');
            sb.append(imagesWithoutRow.isEmpty() ? "." : ";");
        }
        if (!imagesWithoutRow.isEmpty()) {
            sb.append(' ').append(imagesWithoutRow.size()).append(" images have no row (")
                    .append(firstFive(imagesWithoutRow)).append(").");
        }
        throw new IllegalArgumentException(sb.toString());
    }

    private static String firstFive(List<String> names) {
        String shown = String.join(", ", names.subList(0, Math.min(5, names.size())));
        return names.size() > 5 ? shown + ", ..." : shown;
    }

    @Override
    public String toString() {
        return "AttributeLabels{" + size() + " images, " + attributes.size() + " attributes, "
                + rowsWithoutImage.size() + " rows without image, " + imagesWithoutRow.size() + " images without row, "
                + "labelled per attribute " + Arrays.stream(labels)
                        .mapToLong(l -> Arrays.stream(l).filter(v -> v != AttributeTable.MISSING).count()).boxed().toList()
                + "}";
    }
}
