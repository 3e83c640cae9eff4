package io.github.dml4j.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Attribute labels of images, one row per image file: binary attributes (present or not, such as
 * glasses or a smile) and categorical ones (one of a few named categories, such as an age group
 * or a hair colour). A value may be missing for some rows.
 *
 * <p>Three layouts are read:
 * <ul>
 *   <li>{@link #readCelebA(Path)}: CelebA's {@code list_attr_celeba.txt}: a line with the number
 *       of images, a line with the attribute names, then per image its file name and {@code 1} or
 *       {@code -1} per attribute, separated by whitespace;</li>
 *   <li>{@link #readLfw(Path)}: LFW-attributes' tab-separated layout ({@code lfw_attributes.txt}):
 *       an optional comment line, a header line {@code # person imagenum attr1 attr2 ...}, then per
 *       image the person's name, the image number and one real-valued score per attribute, where a
 *       positive score means present; the row names the LFW file
 *       {@code Person_Name/Person_Name_0001.jpg};</li>
 *   <li>{@link #readCsv(Path)}: a plain CSV with a header {@code file,attr1,attr2,...}, then the
 *       file and one value per attribute; a column holding only {@code 0}/{@code 1} (or
 *       {@code -1}/{@code 1}, or {@code false}/{@code true}) is binary, any other column is
 *       categorical with its distinct values as categories (sorted); an empty cell is missing.</li>
 * </ul>
 * {@link #writeCsv(Path)} writes the CSV layout. {@link #align(IdentityImages)} matches the rows
 * to loaded images and reports, by name, rows whose image is not there and images with no row.
 *
 * <p>Values are stored as ints: for a binary attribute 1 (present) or 0 (absent), for a
 * categorical one the index of its category; {@link #MISSING} (-1) when unknown. Immutable.
 */
public final class AttributeTable {

    /** The value of a missing label. */
    public static final int MISSING = -1;

    /** Whether an attribute is present/absent or one of several categories. */
    public enum Kind {
        /** Present (1) or absent (0). */
        BINARY,
        /** One of two or more named categories (their index). */
        CATEGORICAL
    }

    /**
     * One attribute's name, kind and categories.
     *
     * @param name the attribute's name, as in the file's header
     * @param kind binary or categorical
     * @param categories the names of the values: {@code [absent, present]} for a binary
     *     attribute, the categories in index order for a categorical one
     */
    public record Attribute(String name, Kind kind, List<String> categories) {

        /** Checks the parts and copies the categories. */
        public Attribute {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            categories = List.copyOf(categories);
            if (name.isBlank()) {
                throw new IllegalArgumentException("An attribute needs a name.");
            }
            if (categories.size() < 2) {
                throw new IllegalArgumentException("Attribute '" + name + "' needs at least two categories, got "
                        + categories + ".");
            }
            if (kind == Kind.BINARY && categories.size() != 2) {
                throw new IllegalArgumentException("Binary attribute '" + name + "' needs exactly two categories"
                        + " (absent, present), got " + categories + ".");
            }
        }

        /** A binary attribute, categories {@code 0} and {@code 1}. */
        public static Attribute binary(String name) {
            return new Attribute(name, Kind.BINARY, List.of("0", "1"));
        }

        /** A categorical attribute with the given categories, in index order. */
        public static Attribute categorical(String name, List<String> categories) {
            return new Attribute(name, Kind.CATEGORICAL, categories);
        }

        /** Number of values: 2 for a binary attribute. */
        public int numClasses() {
            return categories.size();
        }
    }

    private final List<Attribute> attributes;
    private final List<String> files;
    private final int[][] values;
    private final Map<String, Integer> attributeIndex = new HashMap<>();

    private AttributeTable(List<Attribute> attributes, List<String> files, int[][] values) {
        this.attributes = List.copyOf(attributes);
        this.files = List.copyOf(files);
        this.values = values;
        for (int a = 0; a < this.attributes.size(); a++) {
            if (attributeIndex.put(this.attributes.get(a).name(), a) != null) {
                throw new IllegalArgumentException("Attribute '" + this.attributes.get(a).name() + "' is named twice.");
            }
        }
    }

    /**
     * A table from its parts (copied).
     *
     * @param attributes the attributes, in column order
     * @param files the file of each row, distinct
     * @param values {@code values[row][attribute]}: 0/1 for binary, a category index for
     *     categorical, {@link #MISSING} when unknown
     * @return the table
     * @throws IllegalArgumentException if the sizes disagree, a file is named twice or a value is
     *     outside its attribute's categories
     */
    public static AttributeTable of(List<Attribute> attributes, List<String> files, int[][] values) {
        Objects.requireNonNull(attributes, "attributes");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(values, "values");
        if (attributes.isEmpty()) {
            throw new IllegalArgumentException("An attribute table needs at least one attribute.");
        }
        if (files.size() != values.length) {
            throw new IllegalArgumentException("Got " + files.size() + " files for " + values.length + " rows of values.");
        }
        int[][] copy = new int[values.length][];
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int r = 0; r < values.length; r++) {
            if (!seen.add(files.get(r))) {
                throw new IllegalArgumentException("The file '" + files.get(r) + "' has two rows.");
            }
            if (values[r].length != attributes.size()) {
                throw new IllegalArgumentException("Row " + r + " (" + files.get(r) + ") has " + values[r].length
                        + " values for " + attributes.size() + " attributes.");
            }
            for (int a = 0; a < attributes.size(); a++) {
                int v = values[r][a];
                if (v != MISSING && (v < 0 || v >= attributes.get(a).numClasses())) {
                    throw new IllegalArgumentException("Row " + r + " (" + files.get(r) + ") has value " + v
                            + " for attribute '" + attributes.get(a).name() + "', which has "
                            + attributes.get(a).numClasses() + " categories.");
                }
            }
            copy[r] = values[r].clone();
        }
        return new AttributeTable(attributes, files, copy);
    }

    /** The attributes, in column order. */
    public List<Attribute> attributes() {
        return attributes;
    }

    /**
     * An attribute's column.
     *
     * @param name the attribute's name
     * @return its index in {@link #attributes()}
     * @throws IllegalArgumentException naming the attribute and the known ones if there is none
     */
    public int attributeIndex(String name) {
        Integer a = attributeIndex.get(name);
        if (a == null) {
            throw new IllegalArgumentException("No attribute '" + name + "'; the table has "
                    + attributes.stream().map(Attribute::name).toList() + ".");
        }
        return a;
    }

    /** Number of rows. */
    public int size() {
        return files.size();
    }

    /** The file of each row, as the table names it. */
    public List<String> files() {
        return files;
    }

    /**
     * One value.
     *
     * @param row a row
     * @param attribute an attribute's index
     * @return 0/1 for binary, the category index for categorical, {@link #MISSING} when unknown
     */
    public int value(int row, int attribute) {
        return values[row][attribute];
    }

    /**
     * Matches the rows to loaded images: a row's file is an image's relative path
     * ({@code Name/Name_0001.jpg}), or, when the table names bare file names (as CelebA's does),
     * the last part of exactly one image's path.
     *
     * @param images the loaded images
     * @return each image's labels, the rows naming no loaded image and the images with no row
     */
    public AttributeLabels align(IdentityImages images) {
        Objects.requireNonNull(images, "images");
        Map<String, Integer> byFileName = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            String path = images.path(i);
            String name = path.substring(path.lastIndexOf('/') + 1);
            // a name shared by two images cannot be matched by its name alone
            byFileName.merge(name, i, (x, y) -> -1);
        }
        int[][] labels = new int[attributes.size()][images.size()];
        for (int[] row : labels) {
            Arrays.fill(row, MISSING);
        }
        boolean[] matched = new boolean[images.size()];
        List<String> unmatchedRows = new ArrayList<>();
        for (int r = 0; r < files.size(); r++) {
            String file = files.get(r).replace('\\', '/');
            int i = images.indexOf(file);
            if (i < 0 && file.indexOf('/') < 0) {
                i = byFileName.getOrDefault(file, -1);
            }
            if (i < 0) {
                unmatchedRows.add(files.get(r));
                continue;
            }
            matched[i] = true;
            for (int a = 0; a < attributes.size(); a++) {
                labels[a][i] = values[r][a];
            }
        }
        List<String> unlabeled = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            if (!matched[i]) {
                unlabeled.add(images.path(i));
            }
        }
        return new AttributeLabels(attributes, labels, unmatchedRows, unlabeled);
    }

    /**
     * Reads any of the three layouts, told apart by the first non-blank line: a number is CelebA's
     * count line, a line starting with {@code #} is LFW-attributes', anything else is a CSV header.
     *
     * @param file the file
     * @return the table
     * @throws IOException as {@link #readCelebA}, {@link #readLfw} or {@link #readCsv} throws
     */
    public static AttributeTable read(Path file) throws IOException {
        String first = "";
        try (java.io.BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    first = line.strip();
                    break;
                }
            }
        }
        if (first.matches("\\d+")) {
            return readCelebA(file);
        }
        return first.startsWith("#") ? readLfw(file) : readCsv(file);
    }

    /**
     * Reads CelebA's {@code list_attr_celeba.txt} layout.
     *
     * @param file the file
     * @return the table, every attribute binary
     * @throws IOException if the file cannot be read, or naming the file and the line of a
     *     malformed count, header or row (a value other than 1 or -1, a wrong number of fields), or
     *     when the count line disagrees with the rows
     */
    public static AttributeTable readCelebA(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int lineNo = firstNonBlank(lines, 0);
        if (lineNo == lines.size()) {
            throw new IOException("The attribute file " + file + " is empty.");
        }
        int count;
        try {
            count = Integer.parseInt(lines.get(lineNo).strip());
        } catch (NumberFormatException e) {
            throw new IOException(at(file, lineNo + 1) + "the first line must be the number of images, got '"
                    + lines.get(lineNo).strip() + "'.");
        }
        lineNo = firstNonBlank(lines, lineNo + 1);
        if (lineNo == lines.size()) {
            throw new IOException("The attribute file " + file + " ends before its header line of attribute names.");
        }
        String[] names = fields(lines.get(lineNo));
        List<Attribute> attributes = new ArrayList<>();
        for (String name : names) {
            attributes.add(Attribute.binary(name));
        }
        checkNames(file, lineNo + 1, attributes);
        List<String> files = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<int[]> rows = new ArrayList<>();
        for (lineNo++; lineNo < lines.size(); lineNo++) {
            String line = lines.get(lineNo);
            if (line.isBlank()) {
                continue;
            }
            String[] f = fields(line);
            if (f.length != names.length + 1) {
                throw new IOException(at(file, lineNo + 1) + "expected a file name and " + names.length
                        + " values of 1 or -1, got " + f.length + " fields.");
            }
            int[] row = new int[names.length];
            for (int a = 0; a < names.length; a++) {
                switch (f[a + 1]) {
                    case "1", "+1" -> row[a] = 1;
                    case "-1" -> row[a] = 0;
                    default -> throw new IOException(at(file, lineNo + 1) + "attribute '" + names[a]
                            + "' must be 1 or -1, got '" + f[a + 1] + "'.");
                }
            }
            addRow(file, lineNo + 1, files, seen, rows, f[0], row);
        }
        if (rows.size() != count) {
            throw new IOException("The attribute file " + file + " announces " + count + " images on its first line"
                    + " but has " + rows.size() + " rows.");
        }
        return new AttributeTable(attributes, files, rows.toArray(new int[0][]));
    }

    /**
     * Reads LFW-attributes' tab-separated layout; a score above 0 is present, below or at 0 absent.
     *
     * @param file the file
     * @return the table, every attribute binary, rows named {@code Person_Name/Person_Name_0001.jpg}
     * @throws IOException if the file cannot be read, or naming the file and the line of a
     *     missing header, a row with the wrong number of fields, a bad image number or a score that
     *     is not a number
     */
    public static AttributeTable readLfw(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int lineNo = 0;
        String[] header = null;
        for (; lineNo < lines.size(); lineNo++) {
            String line = lines.get(lineNo);
            if (line.isBlank()) {
                continue;
            }
            if (!line.startsWith("#")) {
                break;
            }
            String[] f = line.substring(1).strip().split("\t");
            if (f.length >= 3 && f[0].strip().equalsIgnoreCase("person") && f[1].strip().equalsIgnoreCase("imagenum")) {
                header = f;
            }
        }
        if (header == null) {
            throw new IOException("The attribute file " + file + " has no header line '#<TAB>person<TAB>imagenum<TAB>"
                    + "attribute...' before line " + Math.min(lineNo + 1, lines.size()) + ".");
        }
        List<Attribute> attributes = new ArrayList<>();
        for (int a = 2; a < header.length; a++) {
            attributes.add(Attribute.binary(header[a].strip()));
        }
        checkNames(file, lineNo, attributes);
        List<String> files = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<int[]> rows = new ArrayList<>();
        for (; lineNo < lines.size(); lineNo++) {
            String line = lines.get(lineNo);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != attributes.size() + 2) {
                throw new IOException(at(file, lineNo + 1) + "expected a person, an image number and "
                        + attributes.size() + " scores separated by tabs, got " + f.length + " fields.");
            }
            String person = f[0].strip().replace(' ', '_');
            int number;
            try {
                number = Integer.parseInt(f[1].strip());
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || person.isEmpty()) {
                throw new IOException(at(file, lineNo + 1) + "expected a person's name and a positive image number, got '"
                        + f[0] + "' and '" + f[1] + "'.");
            }
            int[] row = new int[attributes.size()];
            for (int a = 0; a < row.length; a++) {
                double score;
                try {
                    score = Double.parseDouble(f[a + 2].strip());
                } catch (NumberFormatException e) {
                    score = Double.NaN;
                }
                if (Double.isNaN(score)) {
                    throw new IOException(at(file, lineNo + 1) + "the score of attribute '" + attributes.get(a).name()
                            + "' must be a number, got '" + f[a + 2] + "'.");
                }
                row[a] = score > 0 ? 1 : 0;
            }
            addRow(file, lineNo + 1, files, seen, rows,
                    String.format(Locale.ROOT, "%s/%s_%04d.jpg", person, person, number), row);
        }
        return new AttributeTable(attributes, files, rows.toArray(new int[0][]));
    }

    /**
     * Reads the plain CSV layout (comma-separated, no quoting).
     *
     * @param file the file
     * @return the table
     * @throws IOException if the file cannot be read, or naming the file and the line of a missing
     *     or bad header or a row with the wrong number of fields or no file name
     */
    public static AttributeTable readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int lineNo = firstNonBlank(lines, 0);
        if (lineNo == lines.size()) {
            throw new IOException("The attribute file " + file + " is empty.");
        }
        String[] header = lines.get(lineNo).split(",", -1);
        if (header.length < 2) {
            throw new IOException(at(file, lineNo + 1) + "the header must be 'file,attribute1,attribute2,...', got '"
                    + lines.get(lineNo).strip() + "'.");
        }
        int n = header.length - 1;
        List<String> files = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String[]> cells = new ArrayList<>();
        for (lineNo++; lineNo < lines.size(); lineNo++) {
            String line = lines.get(lineNo);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != n + 1) {
                throw new IOException(at(file, lineNo + 1) + "expected a file and " + n + " values, got " + f.length
                        + " fields.");
            }
            if (f[0].isBlank()) {
                throw new IOException(at(file, lineNo + 1) + "the file name is empty.");
            }
            if (!seen.add(f[0].strip())) {
                throw new IOException(at(file, lineNo + 1) + "the file '" + f[0].strip() + "' has a row already.");
            }
            files.add(f[0].strip());
            cells.add(f);
        }
        List<Attribute> attributes = new ArrayList<>();
        int[][] values = new int[cells.size()][n];
        for (int a = 0; a < n; a++) {
            TreeSet<String> distinct = new TreeSet<>();
            for (String[] f : cells) {
                if (!f[a + 1].isBlank()) {
                    distinct.add(f[a + 1].strip().toLowerCase(Locale.ROOT));
                }
            }
            String name = header[a + 1].strip();
            Map<String, Integer> code = new LinkedHashMap<>();
            if (isBinary(distinct)) {
                attributes.add(Attribute.binary(name));
                for (String v : List.of("1", "+1", "true")) {
                    code.put(v, 1);
                }
                for (String v : List.of("0", "-1", "false")) {
                    code.put(v, 0);
                }
            } else {
                if (distinct.size() < 2) {
                    throw new IOException("The attribute file " + file + ": column '" + name + "' holds "
                            + (distinct.isEmpty() ? "no value" : "only the value '" + distinct.first() + "'")
                            + "; an attribute needs two values to learn.");
                }
                // categories keep their spelling from the file, in sorted order of their lower case
                List<String> categories = new ArrayList<>();
                int k = 0;
                for (String v : distinct) {
                    code.put(v, k++);
                    categories.add(originalSpelling(cells, a + 1, v));
                }
                attributes.add(Attribute.categorical(name, categories));
            }
            for (int r = 0; r < cells.size(); r++) {
                String v = cells.get(r)[a + 1].strip().toLowerCase(Locale.ROOT);
                values[r][a] = v.isEmpty() ? MISSING : code.get(v);
            }
        }
        checkNames(file, firstNonBlank(lines, 0) + 1, attributes);
        return new AttributeTable(attributes, files, values);
    }

    /**
     * Writes the CSV layout {@link #readCsv(Path)} reads: binary values as 0/1, categories by
     * name, missing values as empty cells.
     *
     * @param file the file to write (its folder must exist)
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if a name or category holds a comma or a line break
     */
    public void writeCsv(Path file) throws IOException {
        for (String f : files) {
            checkCell(f);
        }
        for (Attribute a : attributes) {
            checkCell(a.name());
            a.categories().forEach(AttributeTable::checkCell);
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder("file");
            for (Attribute a : attributes) {
                sb.append(',').append(a.name());
            }
            out.write(sb.append('\n').toString());
            for (int r = 0; r < files.size(); r++) {
                sb.setLength(0);
                sb.append(files.get(r));
                for (int a = 0; a < attributes.size(); a++) {
                    int v = values[r][a];
                    sb.append(',');
                    if (v != MISSING) {
                        sb.append(attributes.get(a).categories().get(v));
                    }
                }
                out.write(sb.append('\n').toString());
            }
        }
    }

    private static boolean isBinary(TreeSet<String> distinct) {
        return !distinct.isEmpty() && (List.of("0", "1").containsAll(distinct) || List.of("-1", "1", "+1").containsAll(distinct)
                || List.of("false", "true").containsAll(distinct));
    }

    private static String originalSpelling(List<String[]> cells, int column, String lower) {
        for (String[] f : cells) {
            if (f[column].strip().toLowerCase(Locale.ROOT).equals(lower)) {
                return f[column].strip();
            }
        }
        return lower;
    }

    private static void checkCell(String s) {
        if (s.indexOf(',') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("'" + s + "' holds a comma or a line break and cannot be written to a CSV"
                    + " attribute file.");
        }
    }

    private static void checkNames(Path file, int line, List<Attribute> attributes) throws IOException {
        if (attributes.isEmpty()) {
            throw new IOException(at(file, line) + "the header names no attribute.");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Attribute a : attributes) {
            if (!seen.add(a.name())) {
                throw new IOException(at(file, line) + "the header names attribute '" + a.name() + "' twice.");
            }
        }
    }

    private static void addRow(Path file, int line, List<String> files, java.util.Set<String> seen, List<int[]> rows,
                               String name, int[] row) throws IOException {
        if (!seen.add(name)) {
            throw new IOException(at(file, line) + "the file '" + name + "' has a row already.");
        }
        files.add(name);
        rows.add(row);
    }

    private static int firstNonBlank(List<String> lines, int from) {
        int i = from;
        while (i < lines.size() && lines.get(i).isBlank()) {
            i++;
        }
        return i;
    }

    private static String[] fields(String line) {
        return line.strip().split("\\s+");
    }

    private static String at(Path file, int line) {
        return "The attribute file " + file + ", line " + line + ": ";
    }

    @Override
    public String toString() {
        return "AttributeTable{" + files.size() + " rows, attributes " + attributes.stream().map(a -> a.name()
                + (a.kind() == Kind.CATEGORICAL ? a.categories().toString() : "")).toList() + "}";
    }
}
