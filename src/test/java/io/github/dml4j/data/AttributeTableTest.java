package io.github.dml4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three attribute layouts, their alignment with loaded images, and every bad-input message. */
class AttributeTableTest {

    @TempDir
    Path dir;

    // Ann: images 0-2 (Ann/Ann_0001.jpg ...), Ben: 3-4
    private final IdentityImages faces = FaceFiles.lfwStyle(new String[] {"Ann", "Ben"}, new int[] {3, 2});

    private Path file(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Test
    void readsCelebALayout() throws IOException {
        Path f = file("list_attr_celeba.txt", "3\n5_o_Clock_Shadow Eyeglasses Smiling\n"
                + "000001.jpg -1  1  1\n"
                + "000002.jpg  1 -1 -1\n"
                + "000003.jpg -1 -1  1\n");
        AttributeTable t = AttributeTable.read(f);
        assertEquals(List.of("5_o_Clock_Shadow", "Eyeglasses", "Smiling"), t.attributes().stream()
                .map(AttributeTable.Attribute::name).toList());
        assertEquals(AttributeTable.Kind.BINARY, t.attributes().get(1).kind());
        assertEquals(List.of("000001.jpg", "000002.jpg", "000003.jpg"), t.files());
        assertEquals(1, t.value(0, 1));
        assertEquals(0, t.value(1, 1));
        assertEquals(1, t.value(2, 2));
    }

    @Test
    void readsLfwAttributesLayout() throws IOException {
        Path f = file("lfw_attributes.txt", "# Computed attributes\n"
                + "#\tperson\timagenum\tMale\tEyeglasses\n"
                + "Ann\t1\t-1.2\t0.8\n"
                + "Ann\t2\t-0.7\t-0.1\n"
                + "Ben\t2\t1.5\t-2.0\n");
        AttributeTable t = AttributeTable.read(f);
        assertEquals(List.of("Ann/Ann_0001.jpg", "Ann/Ann_0002.jpg", "Ben/Ben_0002.jpg"), t.files());
        assertEquals(0, t.value(0, 0));
        assertEquals(1, t.value(0, 1));
        assertEquals(1, t.value(2, 0));
        AttributeLabels labels = t.align(faces);
        assertArrayEquals(new int[] {1, 0, -1, -1, 0}, labels.labels(1));
        assertEquals(List.of(), labels.rowsWithoutImage());
        assertEquals(List.of("Ann/Ann_0003.jpg", "Ben/Ben_0001.jpg"), labels.imagesWithoutRow());
    }

    @Test
    void readsCsvWithBinaryCategoricalAndMissingValues() throws IOException {
        Path f = file("attrs.csv", "file,glasses,age,smiling\n"
                + "Ann/Ann_0001.jpg,1,30-45,true\n"
                + "Ann/Ann_0002.jpg,0,18-30,\n"
                + "Ann/Ann_0003.jpg,0,,false\n"
                + "Ben/Ben_0001.jpg,1,60+,true\n"
                + "Ben/Ben_0002.jpg,,18-30,false\n");
        AttributeTable t = AttributeTable.read(f);
        assertEquals(AttributeTable.Kind.BINARY, t.attributes().get(0).kind());
        assertEquals(AttributeTable.Attribute.categorical("age", List.of("18-30", "30-45", "60+")), t.attributes().get(1));
        assertEquals(AttributeTable.Kind.BINARY, t.attributes().get(2).kind());
        AttributeLabels labels = t.align(faces).requireComplete();
        assertArrayEquals(new int[] {1, 0, 0, 1, -1}, labels.labels(0));
        assertArrayEquals(new int[] {1, 0, -1, 2, 0}, labels.labels(1));
        assertArrayEquals(new int[] {1, -1, 0, 1, 0}, labels.labels(2));

        Path back = dir.resolve("back.csv");
        t.writeCsv(back);
        AttributeTable again = AttributeTable.readCsv(back);
        assertEquals(t.attributes(), again.attributes());
        assertEquals(t.files(), again.files());
        for (int r = 0; r < t.size(); r++) {
            for (int a = 0; a < 3; a++) {
                assertEquals(t.value(r, a), again.value(r, a));
            }
        }
    }

    @Test
    void bareFileNamesMatchByName() throws IOException {
        Path f = file("celeba.txt", "2\nSmiling\nAnn_0002.jpg 1\nBen_0002.jpg -1\n");
        AttributeLabels labels = AttributeTable.readCelebA(f).align(faces);
        assertArrayEquals(new int[] {-1, 1, -1, -1, 0}, labels.labels(0));
    }

    @Test
    void rowsWithoutImagesAndImagesWithoutRowsAreNamed() throws IOException {
        Path f = file("attrs.csv", "file,glasses\n"
                + "Ann/Ann_0001.jpg,1\n"
                + "Ann/Ann_0009.jpg,0\n"
                + "Cy/Cy_0001.jpg,1\n"
                + "Ben/Ben_0001.jpg,0\n"
                + "Ben/Ben_0002.jpg,0\n");
        AttributeLabels labels = AttributeTable.readCsv(f).align(faces);
        assertEquals(List.of("Ann/Ann_0009.jpg", "Cy/Cy_0001.jpg"), labels.rowsWithoutImage());
        assertEquals(List.of("Ann/Ann_0002.jpg", "Ann/Ann_0003.jpg"), labels.imagesWithoutRow());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, labels::requireComplete);
        assertEquals("The attribute table does not match the images: 2 rows name no loaded image (Ann/Ann_0009.jpg,"
                + " Cy/Cy_0001.jpg); 2 images have no row (Ann/Ann_0002.jpg, Ann/Ann_0003.jpg).", e.getMessage());
    }

    private void assertMalformed(String name, String content, String message) throws IOException {
        Path f = file(name, content);
        IOException e = assertThrows(IOException.class, () -> AttributeTable.read(f));
        assertEquals("The attribute file " + f + message, e.getMessage());
    }

    @Test
    void malformedCelebALinesNameTheirLine() throws IOException {
        assertMalformed("a.txt", "2\nSmiling Male\n1.jpg 1 -1\n2.jpg 1 yes\n",
                ", line 4: attribute 'Male' must be 1 or -1, got 'yes'.");
        assertMalformed("b.txt", "2\nSmiling Male\n1.jpg 1 -1\n2.jpg 1\n",
                ", line 4: expected a file name and 2 values of 1 or -1, got 2 fields.");
        assertMalformed("c.txt", "3\nSmiling\n1.jpg 1\n2.jpg -1\n",
                " announces 3 images on its first line but has 2 rows.");
        assertMalformed("d.txt", "2\nSmiling\n1.jpg 1\n1.jpg -1\n", ", line 4: the file '1.jpg' has a row already.");
        assertMalformed("e.txt", "2\nSmiling Smiling\n1.jpg 1 1\n",
                ", line 2: the header names attribute 'Smiling' twice.");
    }

    @Test
    void malformedLfwLinesNameTheirLine() throws IOException {
        assertMalformed("a.txt", "#\tperson\timagenum\tMale\nAnn\t1\t0.5\nAnn\tone\t0.5\n",
                ", line 3: expected a person's name and a positive image number, got 'Ann' and 'one'.");
        assertMalformed("b.txt", "#\tperson\timagenum\tMale\nAnn\t1\tx\n",
                ", line 2: the score of attribute 'Male' must be a number, got 'x'.");
        assertMalformed("c.txt", "#\tperson\timagenum\tMale\tSmiling\nAnn\t1\t0.5\n",
                ", line 2: expected a person, an image number and 2 scores separated by tabs, got 3 fields.");
        Path f = file("d.txt", "# just a comment\nAnn\t1\t0.5\n");
        IOException e = assertThrows(IOException.class, () -> AttributeTable.readLfw(f));
        assertEquals("The attribute file " + f + " has no header line '#<TAB>person<TAB>imagenum<TAB>attribute...'"
                + " before line 2.", e.getMessage());
    }

    @Test
    void malformedCsvLinesNameTheirLine() throws IOException {
        assertMalformed("a.csv", "file,glasses\nAnn/Ann_0001.jpg,1\nAnn/Ann_0002.jpg\n",
                ", line 3: expected a file and 1 values, got 1 fields.");
        assertMalformed("b.csv", "file,glasses\nAnn/Ann_0001.jpg,1\n,0\n", ", line 3: the file name is empty.");
        assertMalformed("c.csv", "file,glasses\nAnn/Ann_0001.jpg,1\nAnn/Ann_0001.jpg,0\n",
                ", line 3: the file 'Ann/Ann_0001.jpg' has a row already.");
        assertMalformed("d.csv", "file\nAnn/Ann_0001.jpg\n",
                ", line 1: the header must be 'file,attribute1,attribute2,...', got 'file'.");
        assertMalformed("e.csv", "file,age\nAnn/Ann_0001.jpg,18-30\nAnn/Ann_0002.jpg,18-30\n",
                ": column 'age' holds only the value '18-30'; an attribute needs two values to learn.");
    }
}
