package io.github.dml4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.IdentityImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attributes the generator reports: bound to the identity or not, as documented, and written beside the folder. */
class SyntheticAttributesTest {

    @TempDir
    Path dir;

    private static final List<String> IDENTITY_BOUND = List.of("beard", "moustache", "bald", "face_shape", "hair_colour");
    private static final List<String> PER_IMAGE = List.of("eyeglasses", "smiling", "mouth_open", "head_turn", "lighting");

    @Test
    void identityBoundAttributesAreConstantPerIdentityAndOthersVary() {
        SyntheticIdentities.Result faces = SyntheticIdentities.builder().setIdentities(60).optImagesPerIdentity(8)
                .optImageSize(16).optSeed(4).build().generate();
        AttributeLabels labels = faces.attributeLabels();
        int[] identity = faces.images().labels();
        for (int a = 0; a < labels.attributes().size(); a++) {
            String name = labels.attributes().get(a).name();
            int[] y = labels.labels(a);
            int varying = 0;
            int[] distinct = java.util.Arrays.stream(y).distinct().toArray();
            assertTrue(distinct.length >= 2, name + " shows a single value");
            for (int i = 1; i < y.length; i++) {
                if (identity[i] == identity[i - 1] && y[i] != y[i - 1]) {
                    varying++;
                }
            }
            if (IDENTITY_BOUND.contains(name)) {
                assertEquals(0, varying, name + " changes within an identity");
            } else {
                assertTrue(PER_IMAGE.contains(name), name);
                assertTrue(varying > 0, name + " never changes within an identity");
            }
        }
        // glasses: worn by the identity, taken off in some images, never on an identity without them
        int glasses = labels.attributes().indexOf(AttributeTable.Attribute.binary("eyeglasses"));
        int[] g = labels.labels(glasses);
        long on = java.util.Arrays.stream(g).filter(v -> v == 1).count();
        assertTrue(on > 0.1 * g.length && on < 0.5 * g.length, "glasses in " + on + " of " + g.length);
    }

    /**
     * Distinct attributes change how some are drawn and that a moustache is labelled only
     * without a beard; every identity draws the same random numbers, so the other labels stay.
     */
    @Test
    void distinctAttributesLabelWhatTheImagesShow() {
        SyntheticIdentities.Builder builder = SyntheticIdentities.builder().setIdentities(80).optImagesPerIdentity(3)
                .optImageSize(24).optSeed(9);
        SyntheticIdentities.Result plain = builder.build().generate();
        SyntheticIdentities.Result distinct = builder.optDistinctAttributes(true).build().generate();
        AttributeLabels a = plain.attributeLabels();
        AttributeLabels b = distinct.attributeLabels();
        int[] beard = b.labels(b.attributes().indexOf(AttributeTable.Attribute.binary("beard")));
        int[] moustache = b.labels(b.attributes().indexOf(AttributeTable.Attribute.binary("moustache")));
        int[] plainMoustache = a.labels(a.attributes().indexOf(AttributeTable.Attribute.binary("moustache")));
        int moustachesInBeards = 0;
        for (int i = 0; i < beard.length; i++) {
            assertTrue(beard[i] == 0 || moustache[i] == 0, "image " + i + " has a moustache inside a beard");
            assertEquals(plainMoustache[i] == 1 && beard[i] == 0 ? 1 : 0, moustache[i], "image " + i);
            moustachesInBeards += plainMoustache[i] == 1 && beard[i] == 1 ? 1 : 0;
        }
        assertTrue(moustachesInBeards > 0, "the plain faces label moustaches inside beards too");
        for (String name : List.of("eyeglasses", "beard", "bald", "face_shape", "hair_colour", "smiling", "head_turn")) {
            int index = a.attributes().stream().map(AttributeTable.Attribute::name).toList().indexOf(name);
            assertArrayEquals(a.labels(index), b.labels(index), name);
        }
        int differing = 0;
        for (int i = 0; i < plain.images().size(); i++) {
            differing += java.util.Arrays.equals(plain.images().imageBytes(i), distinct.images().imageBytes(i)) ? 0 : 1;
        }
        assertTrue(differing > plain.images().size() / 2, differing + " images changed");
    }

    /**
     * In gray faces with distinct attributes, hair (and so a beard, a moustache, a bald crown)
     * differs from the skin by at least 0.2 in luminance; by default light hair can match the skin.
     */
    @Test
    void distinctHairStandsOutFromTheSkin() {
        double plainLeast = 1;
        double distinctLeast = 1;
        for (int i = 0; i < 2000; i++) {
            FacePrototype plain = FacePrototype.random(new java.util.SplittableRandom(i), false, false);
            FacePrototype distinct = FacePrototype.random(new java.util.SplittableRandom(i), false, true);
            plainLeast = Math.min(plainLeast, contrast(plain));
            distinctLeast = Math.min(distinctLeast, contrast(distinct));
            assertEquals(plain.hairShade(), distinct.hairShade(), "identity " + i + " changed its hair colour");
        }
        assertTrue(distinctLeast >= 0.2 - 1.0 / 255, // gray levels are rounded
                "hair within " + distinctLeast + " of the skin");
        assertTrue(plainLeast < 0.05, "plain faces' least contrast " + plainLeast);
    }

    private static double contrast(FacePrototype face) {
        return Math.abs(FacePrototype.luminance(face.hair()) - FacePrototype.luminance(face.skin()));
    }

    /** Jaw widths fall in three groups with gaps around the face-shape boundaries (0.65, 0.85). */
    @Test
    void jawWidthsLeaveGapsAtTheFaceShapeBoundaries() {
        for (int i = 0; i < 1000; i++) {
            double jaw = FacePrototype.jawWidth(i / 1000.0);
            assertTrue(jaw >= 0.35 && jaw <= 1.05, "jaw " + jaw);
            assertTrue(jaw <= 0.42 || jaw >= 0.71 && jaw <= 0.77 || jaw >= 0.98, "jaw " + jaw + " between the groups");
        }
        assertEquals(0.35, FacePrototype.jawWidth(0), 1e-12);
        assertEquals(0.71, FacePrototype.jawWidth(1.0 / 3), 1e-12);
        assertEquals(0.98, FacePrototype.jawWidth(2.0 / 3), 1e-12);
    }

    @Test
    void theCsvBesideTheFolderReadsBackAndMatchesTheFiles() throws Exception {
        Path root = dir.resolve("faces");
        SyntheticIdentities generator = SyntheticIdentities.builder().setIdentities(5).optImagesPerIdentity(3)
                .optImageSize(16).optSeed(2).build();
        SyntheticIdentities.Result faces = generator.writeFolder(root, "pgm");
        Path csv = SyntheticIdentities.attributesFile(root);
        assertEquals(dir.resolve("faces-attributes.csv").toAbsolutePath(), csv);
        assertTrue(Files.isRegularFile(csv));
        AttributeTable table = AttributeTable.read(csv);
        // a CSV holds the categories that occur: compare names, not indices
        assertEquals(faces.attributes().attributes().stream().map(AttributeTable.Attribute::name).toList(),
                table.attributes().stream().map(AttributeTable.Attribute::name).toList());
        assertEquals("id_0000/id_0000_0001.pgm", table.files().get(0));
        IdentityImages paths = IdentityImages.of(faces.images(), faces.names(),
                faces.identityImages().paths().stream().map(p -> p.replace(".png", ".pgm")).toList());
        AttributeLabels read = table.align(paths).requireComplete();
        AttributeLabels direct = faces.attributeLabels();
        for (int a = 0; a < direct.attributes().size(); a++) {
            List<String> written = direct.attributes().get(a).categories();
            List<String> readBack = read.attributes().get(a).categories();
            int[] d = direct.labels(a);
            int[] r = read.labels(a);
            for (int i = 0; i < d.length; i++) {
                assertEquals(written.get(d[i]), readBack.get(r[i]), "image " + i + " attribute " + a);
            }
        }
        // written in blocks: the same table
        Path blocks = dir.resolve("blocks");
        generator.writeFolderInBlocks(blocks, "pgm", 1);
        assertEquals(Files.readString(csv), Files.readString(SyntheticIdentities.attributesFile(blocks)));
    }
}
