package io.github.dml4j.datasets;

import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.LabeledImages;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Generates images of made-up identities, so that the face-recognition workflow (verification,
 * identification, clustering) runs on a fresh machine with no dataset: each identity is a
 * cartoon face whose structure is drawn at random once (head and jaw shape, hair style and
 * hairline, ears, where and how large the eyes, brows, nose and mouth are, glasses, beard,
 * moles), and each of its images renders that face anti-aliased with Java2D under a random pose
 * and a random photometric change.
 *
 * <p>What varies between the images of one identity, each bounded by a builder option: in-plane
 * rotation, scale, shift, a head turn (inner features move sideways by their depth, the turned-away
 * eye narrows, the far ear hides) and a shear, expression (eye opening and gaze, smile, raised
 * brows, open mouth, glasses taken off), background tone and gradient, clothing, a lighting
 * gradient across the image, brightness and contrast (and a colour cast in RGB), Gaussian blur,
 * pixel noise and an occluding block. Identity is carried by shape and layout, not by brightness:
 * mean brightness alone tells identities apart poorly.
 *
 * <p>The output is deterministic for a seed and independent of the number of threads: identity
 * {@code i} depends only on the seed and {@code i}, its image {@code j} only on the seed,
 * {@code i} and {@code j}, so the first identities of a larger set are the same faces. Images are
 * rendered in parallel on the common fork-join pool (about 10,000 64x64 images in a few
 * seconds). Images come grouped by identity, labels {@code 0..identities-1}, and identity
 * {@code i} is named {@code id_0000}-style ({@link #name(int)}).
 *
 * <pre>{@code
 * SyntheticIdentities.Result faces = SyntheticIdentities.builder()
 *         .setIdentities(150).optImagesPerIdentity(20).optImageSize(48).optSeed(0)
 *         .build().generate();
 * ClassSplit split = ClassSplit.disjoint(faces.images(), label -> label < 100);
 * }</pre>
 *
 * <p>{@link #writeFolder(Path, String)} writes the same images as an LFW-style folder tree
 * ({@code root/id_0007/id_0007_0001.png}) for the folder loaders.
 *
 * <p>Each image comes with the attributes the generator drew for it ({@link Result#attributes()},
 * written as a CSV beside the folder, see {@link #attributesFile(Path)}); drawing them changes no
 * pixel. Bound to the identity: {@code beard}, {@code moustache}, {@code bald} (hair on the sides
 * only), {@code face_shape} (by jaw width: {@code pointed} below 0.65 of the head's width, or
 * of the cheeks' with distinct attributes, {@code oval}, {@code square} from 0.85),
 * {@code hair_colour} ({@code black}, {@code brown},
 * {@code red}, {@code blond}, {@code gray} in RGB; {@code dark} or {@code light} in gray images);
 * {@code eyeglasses} is the identity's too, but the glasses are taken off in about one image in
 * ten, and the label says what the image shows. Varying per image: {@code smiling} (the mouth's
 * visible curve, the identity's own plus the expression's smile, lifts its corners by more than
 * 0.07 face units: about one image in four at the default expression), {@code mouth_open},
 * {@code head_turn} ({@code left} or {@code right} from 8 degrees, else {@code frontal}, in the
 * image's directions), {@code lighting} (the side the lighting gradient brightens, {@code even}
 * below a strength of 0.15). A horizontal flip swaps left and right: augment with flips only
 * when these two are not learnt. By default a moustache inside a beard is labelled though it does
 * not show, and a jaw near a face-shape boundary is labelled though the outline hardly says
 * which: {@link Builder#optDistinctAttributes(boolean)} draws the identity-bound attributes so
 * that the images show what the labels say.
 */
public final class SyntheticIdentities {

    /** The smallest image side: below it the eyes and mouth are a pixel or less. */
    public static final int MIN_IMAGE_SIZE = 16;
    /** The largest image side. */
    public static final int MAX_IMAGE_SIZE = 512;
    /** The file formats {@link #writeFolder(Path, String)} writes. */
    public static final List<String> FORMATS = List.of("png", "jpg", "pgm");

    private static final long PROTOTYPE_STREAM = 0x51D3_7E11_7F1AL;
    private static final long IMAGE_STREAM = 0x1A6E_5EEDL;
    private static final long COUNT_STREAM = 0xC0_0A7L;
    private static final float JPEG_QUALITY = 0.95f;

    private final int identities;
    private final int minImages;
    private final int maxImages;
    private final int imageSize;
    private final int channels;
    private final double maxRotation;
    private final double minScale;
    private final double maxScale;
    private final double maxShift;
    private final double maxYaw;
    private final double maxShear;
    private final double expression;
    private final double minBrightness;
    private final double maxBrightness;
    private final double minContrast;
    private final double maxContrast;
    private final double colorCast;
    private final double lighting;
    private final double backgroundVariation;
    private final double noiseStd;
    private final double maxBlur;
    private final double occlusion;
    private final boolean distinctAttributes;
    private final long seed;

    private SyntheticIdentities(Builder b) {
        identities = b.identities;
        minImages = b.minImages;
        maxImages = b.maxImages;
        imageSize = b.imageSize;
        channels = b.channels;
        maxRotation = b.maxRotation;
        minScale = b.minScale;
        maxScale = b.maxScale;
        maxShift = b.maxShift;
        maxYaw = b.maxYaw;
        maxShear = b.maxShear;
        expression = b.expression;
        minBrightness = b.minBrightness;
        maxBrightness = b.maxBrightness;
        minContrast = b.minContrast;
        maxContrast = b.maxContrast;
        colorCast = b.colorCast;
        lighting = b.lighting;
        backgroundVariation = b.backgroundVariation;
        noiseStd = b.noiseStd;
        maxBlur = b.maxBlur;
        occlusion = b.occlusion;
        distinctAttributes = b.distinctAttributes;
        seed = b.seed;
    }

    /** A builder; only the number of identities is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The generated images, the names of their identities and their attributes.
     *
     * @param images the images, grouped by identity, labels {@code 0..names.size()-1}
     * @param names the name of each label, {@code names.get(label)}
     * @param attributes one row per image, in image order, keyed by the relative path
     *     {@link #identityImages()} gives it (see {@link SyntheticIdentities} for the attributes)
     */
    public record Result(LabeledImages images, List<String> names, AttributeTable attributes) {

        /**
         * Checks that none is null and copies the names.
         *
         * @param images the images
         * @param names the name of each label
         * @param attributes the images' attributes
         */
        public Result {
            Objects.requireNonNull(images, "images");
            Objects.requireNonNull(attributes, "attributes");
            names = List.copyOf(names);
            if (attributes.size() != images.size()) {
                throw new IllegalArgumentException("Got " + attributes.size() + " attribute rows for " + images.size()
                        + " images.");
            }
        }

        /**
         * The attributes of the images, aligned with {@link #identityImages()}.
         *
         * @return {@code labels(a)[i]} is attribute {@code a} of image {@code i}
         */
        public AttributeLabels attributeLabels() {
            return attributes.align(identityImages()).requireComplete();
        }

        /**
         * The images as an identity set, each with the relative path {@link #writeFolder} would
         * give it as a PNG ({@code id_0007/id_0007_0001.png}), so that splits and LFW-style pair
         * lists work on generated identities as on a folder.
         */
        public IdentityImages identityImages() {
            List<String> paths = new ArrayList<>(images.size());
            int[] counts = new int[names.size()];
            for (int i = 0; i < images.size(); i++) {
                String name = names.get(images.label(i));
                paths.add(String.format(Locale.ROOT, "%s/%s_%04d.png", name, name, ++counts[images.label(i)]));
            }
            return IdentityImages.of(images, names, paths);
        }

        /** The attribute table with its files named with extension {@code ext} instead of png. */
        AttributeTable attributesWithExtension(String ext) {
            List<String> files = attributes.files().stream()
                    .map(f -> f.substring(0, f.length() - "png".length()) + ext).toList();
            int[][] values = new int[attributes.size()][attributes.attributes().size()];
            for (int r = 0; r < values.length; r++) {
                for (int a = 0; a < values[r].length; a++) {
                    values[r][a] = attributes.value(r, a);
                }
            }
            return AttributeTable.of(attributes.attributes(), files, values);
        }

        /**
         * Writes one sub-folder per identity under {@code root}, named as the identity, holding its
         * images as {@code name_0001.ext}, {@code name_0002.ext}, ... (LFW's layout), in
         * {@code format} {@code png}, {@code jpg} (quality 0.95) or {@code pgm} (binary P5, gray
         * images only), and the images' attributes as a CSV beside the folder
         * ({@link #attributesFile(Path)}: {@code faces-attributes.csv} for the folder
         * {@code faces}), rows named by path relative to the root.
         * PNG and PGM keep the pixels exactly. The root and the folders are created
         * if missing; files of the same names are replaced, other files are left alone.
         *
         * @param root the folder to write into
         * @param format {@code png}, {@code jpg} or {@code pgm} (case-insensitive)
         * @return the files written, in image order
         * @throws IllegalArgumentException if the format is unknown or PGM is asked for colour images
         * @throws IOException if a file cannot be written
         */
        public List<Path> writeFolder(Path root, String format) throws IOException {
            Objects.requireNonNull(root, "root");
            String ext = checkFormat(format, images.channels());
            List<Path> written = new ArrayList<>(images.size());
            int[] counts = new int[names.size()];
            for (int i = 0; i < images.size(); i++) {
                int label = images.label(i);
                String name = names.get(label);
                Path dir = root.resolve(name);
                if (counts[label] == 0) {
                    Files.createDirectories(dir);
                }
                counts[label]++;
                Path file = dir.resolve(String.format(Locale.ROOT, "%s_%04d.%s", name, counts[label], ext));
                write(images.imageBytes(i), images.channels(), images.height(), images.width(), file, ext);
                written.add(file);
            }
            attributesWithExtension(ext).writeCsv(attributesFile(root));
            return Collections.unmodifiableList(written);
        }
    }

    /**
     * Renders all images.
     *
     * @return the images, grouped by identity, and the identities' names
     */
    public Result generate() {
        return generate(0, identities);
    }

    /** Renders the images of identities {@code from} (inclusive) to {@code to} (exclusive), labelled from 0. */
    private Result generate(int from, int to) {
        int[] allCounts = imageCounts();
        int n = to - from;
        int[] firstImage = new int[n + 1];
        for (int i = 0; i < n; i++) {
            firstImage[i + 1] = firstImage[i] + allCounts[from + i];
        }
        int total = firstImage[n];
        int perImage = channels * imageSize * imageSize;
        if ((long) total * perImage > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(total + " images of " + channels + "x" + imageSize + "x" + imageSize
                    + " do not fit in one in-memory set (2 GB of pixels): write them with writeFolderInBlocks instead.");
        }
        FacePrototype[] faces = new FacePrototype[n];
        int[] labels = new int[total];
        for (int i = 0; i < n; i++) {
            faces[i] = FacePrototype.random(new SplittableRandom(mix(seed, PROTOTYPE_STREAM, from + i)), channels == 3,
                    distinctAttributes);
            java.util.Arrays.fill(labels, firstImage[i], firstImage[i + 1], i);
        }
        byte[] pixels = new byte[total * perImage];
        ImageFacts[] facts = new ImageFacts[total];
        IntStream.range(0, total).parallel().forEach(k -> {
            int id = labels[k];
            int j = k - firstImage[id];
            facts[k] = render(faces[id], new SplittableRandom(mix(seed ^ IMAGE_STREAM, from + id, j)), pixels,
                    k * perImage);
        });
        List<String> names = IntStream.range(from, to).mapToObj(SyntheticIdentities::name).toList();
        LabeledImages images = LabeledImages.of(pixels, labels, channels, imageSize, imageSize);
        return new Result(images, names, attributes(faces, facts, labels, names));
    }

    /** Face shapes by jaw width, sorted as a CSV read back sorts categories. */
    private static final List<String> FACE_SHAPES = List.of("oval", "pointed", "square");
    private static final List<String> HEAD_TURNS = List.of("frontal", "left", "right");
    private static final List<String> LIGHTINGS = List.of("bottom", "even", "left", "right", "top");
    /**
     * A mouth smiles when its visible curve (the identity's own plus the expression's smile) lifts
     * its corners by more than this many face units: what the image shows, as a person labelling
     * it would see it, not the change from the identity's usual mouth, which no single image shows.
     */
    private static final double SMILE = 0.07;
    /** A head turned by less than this many degrees either way is frontal. */
    private static final double FRONTAL_YAW = 8;
    /** A lighting gradient weaker than this is even. */
    private static final double EVEN_LIGHT = 0.15;

    /** The attribute table of the rendered images, keyed by the PNG paths {@link Result#identityImages()} gives. */
    private AttributeTable attributes(FacePrototype[] faces, ImageFacts[] facts, int[] labels, List<String> names) {
        List<String> hairColours = channels == 3
                ? FacePrototype.HAIR_COLOURS.stream().sorted().toList() : List.of("dark", "light");
        List<AttributeTable.Attribute> attributes = List.of(
                AttributeTable.Attribute.binary("eyeglasses"),
                AttributeTable.Attribute.binary("beard"),
                AttributeTable.Attribute.binary("moustache"),
                AttributeTable.Attribute.binary("bald"),
                AttributeTable.Attribute.categorical("face_shape", FACE_SHAPES),
                AttributeTable.Attribute.categorical("hair_colour", hairColours),
                AttributeTable.Attribute.binary("smiling"),
                AttributeTable.Attribute.binary("mouth_open"),
                AttributeTable.Attribute.categorical("head_turn", HEAD_TURNS),
                AttributeTable.Attribute.categorical("lighting", LIGHTINGS));
        int[][] values = new int[facts.length][];
        List<String> files = new ArrayList<>(facts.length);
        int[] counts = new int[faces.length];
        for (int k = 0; k < facts.length; k++) {
            FacePrototype face = faces[labels[k]];
            ImageFacts f = facts[k];
            String name = names.get(labels[k]);
            files.add(String.format(Locale.ROOT, "%s/%s_%04d.png", name, name, ++counts[labels[k]]));
            String shade = FacePrototype.HAIR_COLOURS.get(face.hairShade());
            values[k] = new int[] {
                face.hasGlasses() && f.expression().glassesOn() ? 1 : 0,
                face.hasBeard() ? 1 : 0,
                face.hasMoustache() ? 1 : 0,
                face.isBald() ? 1 : 0,
                face.jaw() < 0.65 ? 1 : face.jaw() < 0.85 ? 0 : 2,
                hairColours.indexOf(channels == 3 ? shade : face.hairShade() == 0 ? "dark" : "light"),
                face.mouthCurve() + f.expression().smile() > SMILE ? 1 : 0,
                f.expression().mouthOpen() > 0 ? 1 : 0,
                HEAD_TURNS.indexOf(f.yawDegrees() <= -FRONTAL_YAW ? "left" : f.yawDegrees() >= FRONTAL_YAW ? "right"
                        : "frontal"),
                LIGHTINGS.indexOf(lightingName(f.light(), f.lightAngle()))
            };
        }
        return AttributeTable.of(attributes, files, values);
    }

    /** The side a lighting gradient brightens (the image's top, bottom, left or right), or even if it is weak. */
    private static String lightingName(double light, double angle) {
        if (light < EVEN_LIGHT) {
            return "even";
        }
        double x = Math.cos(angle);
        double y = Math.sin(angle);
        if (Math.abs(x) >= Math.abs(y)) {
            return x > 0 ? "right" : "left";
        }
        return y > 0 ? "bottom" : "top";
    }

    /**
     * Renders and writes the images as {@link #writeFolder(Path, String)} does, the same files,
     * a block of identities at a time (about 256 MB of pixels), so that a folder far larger than
     * memory can be written: 100,000 RGB images of 128 x 128 are 4.9 GB of pixels.
     *
     * @param root the folder to write into
     * @param format {@code png}, {@code jpg} or {@code pgm}
     * @return the number of images written
     * @throws IllegalArgumentException if the format is unknown or PGM is asked for colour images
     * @throws IOException if a file cannot be written
     */
    public long writeFolderInBlocks(Path root, String format) throws IOException {
        return writeFolderInBlocks(root, format, 256L << 20);
    }

    /** {@link #writeFolderInBlocks(Path, String)} with blocks of at most {@code budget} bytes of pixels (one identity at least). */
    long writeFolderInBlocks(Path root, String format, long budget) throws IOException {
        Objects.requireNonNull(root, "root");
        checkFormat(format, channels);
        int[] counts = imageCounts();
        long perImage = (long) channels * imageSize * imageSize;
        long written = 0;
        List<String> files = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        List<AttributeTable.Attribute> attributes = null;
        for (int from = 0; from < identities; ) {
            int to = from;
            long bytes = 0;
            while (to < identities && (to == from || bytes + counts[to] * perImage <= budget)) {
                bytes += counts[to] * perImage;
                to++;
            }
            Result block = generate(from, to);
            written += block.writeFolder(root, format).size();
            AttributeTable table = block.attributesWithExtension(checkFormat(format, channels));
            attributes = table.attributes();
            for (int r = 0; r < table.size(); r++) {
                files.add(table.files().get(r));
                int[] row = new int[attributes.size()];
                for (int a = 0; a < row.length; a++) {
                    row[a] = table.value(r, a);
                }
                rows.add(row);
            }
            from = to;
        }
        AttributeTable.of(attributes, files, rows.toArray(new int[0][])).writeCsv(attributesFile(root));
        return written;
    }

    /**
     * Renders all images and writes them as {@link Result#writeFolder(Path, String)} does.
     *
     * @param root the folder to write into
     * @param format {@code png}, {@code jpg} or {@code pgm}
     * @return the images written and their identities' names
     * @throws IllegalArgumentException if the format is unknown or PGM is asked for colour images
     * @throws IOException if a file cannot be written
     */
    public Result writeFolder(Path root, String format) throws IOException {
        Objects.requireNonNull(root, "root");
        checkFormat(format, channels);
        Result result = generate();
        result.writeFolder(root, format);
        return result;
    }

    /**
     * Where {@link Result#writeFolder(Path, String)} writes the attributes of a folder: beside it,
     * named as the folder with {@code -attributes.csv} appended ({@code faces-attributes.csv} for
     * {@code faces}), so that the folder itself holds identity folders only.
     *
     * @param root the image folder
     * @return the CSV file
     */
    public static Path attributesFile(Path root) {
        Path name = root.toAbsolutePath().normalize().getFileName();
        if (name == null) {
            throw new IllegalArgumentException("The folder " + root + " has no name to put beside it.");
        }
        return root.toAbsolutePath().normalize().resolveSibling(name + "-attributes.csv");
    }

    /**
     * The name of identity {@code label}: {@code id_} and the label in at least four digits.
     *
     * @param label the identity's label, non-negative
     * @return e.g. {@code id_0007}
     */
    public static String name(int label) {
        if (label < 0) {
            throw new IllegalArgumentException("An identity label must not be negative, got " + label + ".");
        }
        return String.format(Locale.ROOT, "id_%04d", label);
    }

    /** How many images each identity gets, drawn per identity from the seed. */
    private int[] imageCounts() {
        int[] counts = new int[identities];
        for (int i = 0; i < identities; i++) {
            counts[i] = minImages == maxImages ? minImages
                    : minImages + new SplittableRandom(mix(seed, COUNT_STREAM, i)).nextInt(maxImages - minImages + 1);
        }
        return counts;
    }

    /** What one image shows beyond its identity, for its per-image attributes. */
    private record ImageFacts(double yawDegrees, FacePrototype.Expression expression, double light, double lightAngle) {}

    /** Renders one image of {@code face} into {@code out} at {@code offset}, (C, H, W) order. */
    private ImageFacts render(FacePrototype face, SplittableRandom r, byte[] out, int offset) {
        int s = imageSize;
        BufferedImage image = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        double yawDegrees;
        FacePrototype.Expression e;
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_SPEED);
            drawBackground(g, r);

            double angle = Math.toRadians(FacePrototype.between(r, -maxRotation, maxRotation));
            double scale = FacePrototype.between(r, minScale, maxScale);
            double dx = FacePrototype.between(r, -maxShift, maxShift) * s;
            double dy = FacePrototype.between(r, -maxShift, maxShift) * s;
            yawDegrees = FacePrototype.between(r, -maxYaw, maxYaw);
            double yaw = Math.sin(Math.toRadians(yawDegrees));
            double shear = FacePrototype.between(r, -maxShear, maxShear);
            e = FacePrototype.Expression.random(r, expression);
            // the head (about 2 face units tall) fills 0.7 of the image at scale 1
            double unit = 0.35 * s * scale;
            g.translate(s / 2.0 + dx, s / 2.0 + dy);
            g.rotate(angle);
            g.shear(shear, 0);
            g.scale(unit * Math.sqrt(1 - yaw * yaw), unit);
            drawClothes(g, r, yaw);
            face.draw(g, yaw, e);
            g.setTransform(new java.awt.geom.AffineTransform());
            if (occlusion > 0 && r.nextDouble() < occlusion) {
                drawOccluder(g, r);
            }
        } finally {
            g.dispose();
        }
        int[] rgb = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        double[] light = photometric(rgb, r, out, offset);
        return new ImageFacts(yawDegrees, e, light[0], light[1]);
    }

    /** A background of random tone with a random linear gradient, and the odd shape behind the person. */
    private void drawBackground(Graphics2D g, SplittableRandom r) {
        int s = imageSize;
        double v = backgroundVariation;
        Color a = randomTone(r, 0.5, v);
        Color b = randomTone(r, 0.5, v);
        double t = r.nextDouble() * 2 * Math.PI;
        g.setPaint(new GradientPaint((float) (s / 2.0 - Math.cos(t) * s / 2), (float) (s / 2.0 - Math.sin(t) * s / 2), a,
                (float) (s / 2.0 + Math.cos(t) * s / 2), (float) (s / 2.0 + Math.sin(t) * s / 2), b));
        g.fill(new Rectangle2D.Double(0, 0, s, s));
        if (v > 0) {
            int shapes = r.nextInt(3);
            for (int i = 0; i < shapes; i++) {
                g.setColor(randomTone(r, 0.5, v));
                double x = r.nextDouble() * s;
                double y = r.nextDouble() * s;
                double w = (0.1 + 0.4 * r.nextDouble()) * s;
                double h = (0.1 + 0.4 * r.nextDouble()) * s;
                g.fill(r.nextBoolean() ? new Rectangle2D.Double(x - w / 2, y - h / 2, w, h)
                        : new Ellipse2D.Double(x - w / 2, y - h / 2, w, h));
            }
        }
        g.setPaint(null);
    }

    /** Shoulders in a random tone (with the background's variation): clothes change from photo to photo. */
    private void drawClothes(Graphics2D g, SplittableRandom r, double yaw) {
        g.setColor(randomTone(r, 0.45, Math.min(0.45, 1.5 * backgroundVariation)));
        g.fill(new Ellipse2D.Double(-1.6 - yaw * 0.1, 1.25, 3.2, 2.2));
    }

    /** A block of random tone over part of the image, as a hand, a scarf or another head would. */
    private void drawOccluder(Graphics2D g, SplittableRandom r) {
        int s = imageSize;
        g.setColor(randomTone(r, 0.5, 0.5));
        double w = (0.2 + 0.3 * r.nextDouble()) * s;
        double h = (0.15 + 0.25 * r.nextDouble()) * s;
        double x = r.nextDouble() * (s - w);
        double y = r.nextDouble() * (s - h);
        g.fill(r.nextBoolean() ? new Rectangle2D.Double(x, y, w, h) : new Ellipse2D.Double(x, y, w, h));
    }

    /** A gray tone {@code center +- spread} (or a muted colour of that brightness in RGB). */
    private Color randomTone(SplittableRandom r, double center, double spread) {
        double v = FacePrototype.between(r, Math.max(0, center - spread), Math.min(1, center + spread));
        if (channels == 1) {
            int c = (int) Math.round(v * 255);
            return new Color(c, c, c);
        }
        float hue = (float) r.nextDouble();
        return Color.getHSBColor(hue, (float) (Math.min(1, spread) * r.nextDouble()), (float) v);
    }

    /**
     * Lighting gradient, contrast and brightness (per channel in RGB: a colour cast), blur and
     * noise, then rounding to bytes in (C, H, W) order.
     *
     * @return the lighting gradient's strength and angle
     */
    private double[] photometric(int[] rgb, SplittableRandom r, byte[] out, int offset) {
        int s = imageSize;
        int n = s * s;
        float[][] planes = new float[channels][n];
        if (channels == 1) {
            for (int p = 0; p < n; p++) {
                int c = rgb[p];
                planes[0][p] = (0.299f * ((c >> 16) & 0xFF) + 0.587f * ((c >> 8) & 0xFF) + 0.114f * (c & 0xFF)) / 255f;
            }
        } else {
            for (int p = 0; p < n; p++) {
                int c = rgb[p];
                planes[0][p] = ((c >> 16) & 0xFF) / 255f;
                planes[1][p] = ((c >> 8) & 0xFF) / 255f;
                planes[2][p] = (c & 0xFF) / 255f;
            }
        }
        double light = FacePrototype.between(r, 0, lighting);
        double lightAngle = r.nextDouble() * 2 * Math.PI;
        float lx = (float) (light * Math.cos(lightAngle) / s);
        float ly = (float) (light * Math.sin(lightAngle) / s);
        float contrast = (float) FacePrototype.between(r, minContrast, maxContrast);
        float brightness = (float) FacePrototype.between(r, minBrightness, maxBrightness);
        double sigma = FacePrototype.between(r, 0, maxBlur);
        float[] kernel = sigma < 0.25 ? null : gaussianKernel(sigma);
        float[] tmp = kernel == null ? null : new float[n];
        for (int c = 0; c < channels; c++) {
            float[] v = planes[c];
            float gain = contrast * (channels == 1 ? 1f : (float) (1 + FacePrototype.between(r, -colorCast, colorCast)));
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int p = y * s + x;
                    float shade = 1 + lx * (x - s / 2f) + ly * (y - s / 2f);
                    v[p] = (v[p] * shade - 0.5f) * gain + 0.5f + brightness;
                }
            }
            if (kernel != null) {
                blur(v, tmp, s, kernel);
            }
        }
        int k = offset;
        for (int c = 0; c < channels; c++) {
            float[] v = planes[c];
            for (int p = 0; p < n; p++) {
                double value = v[p] + (noiseStd > 0 ? noiseStd * r.nextGaussian() : 0);
                out[k++] = (byte) Math.max(0, Math.min(255, (int) Math.round(value * 255)));
            }
        }
        return new double[] {light, lightAngle};
    }

    private static float[] gaussianKernel(double sigma) {
        int radius = (int) Math.ceil(2.5 * sigma);
        float[] k = new float[2 * radius + 1];
        float sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = (float) Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Separable Gaussian blur of the s x s plane {@code v} in place, edges clamped. */
    private static void blur(float[] v, float[] tmp, int s, float[] k) {
        int radius = k.length / 2;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                float sum = 0;
                for (int i = -radius; i <= radius; i++) {
                    sum += k[i + radius] * v[y * s + Math.max(0, Math.min(s - 1, x + i))];
                }
                tmp[y * s + x] = sum;
            }
        }
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                float sum = 0;
                for (int i = -radius; i <= radius; i++) {
                    sum += k[i + radius] * tmp[Math.max(0, Math.min(s - 1, y + i)) * s + x];
                }
                v[y * s + x] = sum;
            }
        }
    }

    /** A SplitMix64 hash of the three values: independent random streams per identity and image. */
    private static long mix(long a, long b, long c) {
        long z = a;
        z = splitMix(z + 0x9E37_79B9_7F4A_7C15L * (b + 1));
        z = splitMix(z + 0x9E37_79B9_7F4A_7C15L * (c + 1));
        return z;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    private static String checkFormat(String format, int channels) {
        Objects.requireNonNull(format, "format");
        String f = format.toLowerCase(Locale.ROOT);
        if (f.equals("jpeg")) {
            f = "jpg";
        }
        if (!FORMATS.contains(f)) {
            throw new IllegalArgumentException("The image format must be one of " + FORMATS + ", got '" + format + "'.");
        }
        if (f.equals("pgm") && channels != 1) {
            throw new IllegalArgumentException("PGM holds gray images only, but the images have " + channels
                    + " channels: write png or jpg.");
        }
        return f;
    }

    /** Writes one (C, H, W) image as PNG, JPEG or binary PGM. */
    private static void write(byte[] chw, int channels, int height, int width, Path file, String ext)
            throws IOException {
        if (ext.equals("pgm")) {
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(("P5\n" + width + " " + height + "\n255\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chw);
            }
            return;
        }
        BufferedImage image;
        if (channels == 1) {
            image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, width, height, chw);
        } else {
            image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int n = width * height;
            int[] rgb = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
            for (int p = 0; p < n; p++) {
                rgb[p] = (chw[p] & 0xFF) << 16 | (chw[n + p] & 0xFF) << 8 | (chw[2 * n + p] & 0xFF);
            }
        }
        if (ext.equals("png")) {
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("No PNG writer is available to write " + file + ".");
            }
            return;
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /** Number of identities. */
    public int getIdentities() {
        return identities;
    }

    /** The fewest images an identity gets. */
    public int getMinImagesPerIdentity() {
        return minImages;
    }

    /** The most images an identity gets. */
    public int getMaxImagesPerIdentity() {
        return maxImages;
    }

    /** Side of the square images, in pixels. */
    public int getImageSize() {
        return imageSize;
    }

    /** Channels: 1 (gray) or 3 (RGB). */
    public int getChannels() {
        return channels;
    }

    /** The seed. */
    public long getSeed() {
        return seed;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SyntheticIdentities{%d identities x %s images, %dx%dx%d, rotation %.1f deg,"
                        + " scale %.2f-%.2f, shift %.3f, yaw %.1f deg, shear %.2f, expression %.2f, brightness %.2f..%.2f,"
                        + " contrast %.2f-%.2f, color cast %.2f, lighting %.2f, background %.2f, noise %.3f, blur %.2f px,"
                        + " occlusion %.2f,%s seed %d}",
                identities, minImages == maxImages ? String.valueOf(minImages) : minImages + "-" + maxImages,
                channels, imageSize, imageSize, maxRotation, minScale, maxScale, maxShift, maxYaw, maxShear, expression,
                minBrightness, maxBrightness, minContrast, maxContrast, colorCast, lighting, backgroundVariation,
                noiseStd, maxBlur, occlusion, distinctAttributes ? " distinct attributes," : "", seed);
    }

    /**
     * Configures a {@link SyntheticIdentities}. Only {@link #setIdentities(int)} is required; the
     * defaults make a set that a small CNN learns to tell apart on identities it has not seen,
     * yet does not saturate. {@link #optNoVariation()} turns every variation off, so that each
     * identity's images are identical.
     */
    public static final class Builder {

        private int identities;
        private int minImages = 20;
        private int maxImages = 20;
        private int imageSize = 64;
        private int channels = 1;
        private double maxRotation = 12;
        private double minScale = 0.88;
        private double maxScale = 1.12;
        private double maxShift = 0.06;
        private double maxYaw = 25;
        private double maxShear = 0.06;
        private double expression = 1;
        private double minBrightness = -0.15;
        private double maxBrightness = 0.15;
        private double minContrast = 0.7;
        private double maxContrast = 1.2;
        private double colorCast = 0.08;
        private double lighting = 0.4;
        private double backgroundVariation = 0.4;
        private double noiseStd = 0.03;
        private double maxBlur = 0.8;
        private double occlusion = 0.1;
        private boolean distinctAttributes;
        private long seed;

        private Builder() {}

        /**
         * Number of identities (required, positive).
         *
         * @param identities how many identities
         * @return this builder
         */
        public Builder setIdentities(int identities) {
            this.identities = identities;
            return this;
        }

        /**
         * The same number of images for every identity (default 20).
         *
         * @param images images per identity, positive
         * @return this builder
         */
        public Builder optImagesPerIdentity(int images) {
            return optImagesPerIdentity(images, images);
        }

        /**
         * A number of images per identity drawn uniformly from {@code min..max} (inclusive) for
         * each identity; {@code min} 1 makes some identities singletons, as in LFW.
         *
         * @param min the fewest images, positive
         * @param max the most images, at least {@code min}
         * @return this builder
         */
        public Builder optImagesPerIdentity(int min, int max) {
            this.minImages = min;
            this.maxImages = max;
            return this;
        }

        /**
         * Side of the square images in pixels (default 64, from {@value #MIN_IMAGE_SIZE} to
         * {@value #MAX_IMAGE_SIZE}).
         *
         * @param size the side
         * @return this builder
         */
        public Builder optImageSize(int size) {
            this.imageSize = size;
            return this;
        }

        /**
         * 1 for gray images (default), 3 for RGB with skin, hair and eye colours.
         *
         * @param channels 1 or 3
         * @return this builder
         */
        public Builder optChannels(int channels) {
            this.channels = channels;
            return this;
        }

        /**
         * Largest in-plane rotation, in degrees either way (default 12, at most 180).
         *
         * @param degrees the largest rotation
         * @return this builder
         */
        public Builder optMaxRotation(double degrees) {
            this.maxRotation = degrees;
            return this;
        }

        /**
         * Range of the face's scale; 1 makes the head about 0.7 of the image high (default 0.88-1.12).
         *
         * @param min the smallest scale, positive
         * @param max the largest scale, at least {@code min}
         * @return this builder
         */
        public Builder optScaleRange(double min, double max) {
            this.minScale = min;
            this.maxScale = max;
            return this;
        }

        /**
         * Largest shift of the face's centre along each axis, as a fraction of the image side
         * (default 0.06, at most 0.5).
         *
         * @param fraction the largest shift
         * @return this builder
         */
        public Builder optMaxShift(double fraction) {
            this.maxShift = fraction;
            return this;
        }

        /**
         * Largest head turn left or right, in degrees (default 25, below 90): the face narrows,
         * its inner features move sideways by their depth, the far eye narrows.
         *
         * @param degrees the largest turn
         * @return this builder
         */
        public Builder optMaxYaw(double degrees) {
            this.maxYaw = degrees;
            return this;
        }

        /**
         * Largest horizontal shear either way (default 0.06, at most 1), a cheap stand-in for a
         * tilted camera.
         *
         * @param shear the largest shear factor
         * @return this builder
         */
        public Builder optMaxShear(double shear) {
            this.maxShear = shear;
            return this;
        }

        /**
         * Strength of the expression changes between images: eye opening and blinks, gaze,
         * smile, raised brows, open mouth, glasses taken off, hairline and feature wobble
         * (default 1, 0 for none, at most 3).
         *
         * @param strength the strength
         * @return this builder
         */
        public Builder optExpression(double strength) {
            this.expression = strength;
            return this;
        }

        /**
         * Range of the brightness offset added after contrast, in units of the full pixel range
         * (default -0.15..0.15, within -1..1).
         *
         * @param min the smallest offset
         * @param max the largest offset, at least {@code min}
         * @return this builder
         */
        public Builder optBrightnessRange(double min, double max) {
            this.minBrightness = min;
            this.maxBrightness = max;
            return this;
        }

        /**
         * Range of the contrast factor applied around mid-gray (default 0.7-1.2).
         *
         * @param min the smallest factor, positive
         * @param max the largest factor, at least {@code min}
         * @return this builder
         */
        public Builder optContrastRange(double min, double max) {
            this.minContrast = min;
            this.maxContrast = max;
            return this;
        }

        /**
         * Largest relative change of each colour channel's contrast, a white-balance shift
         * (default 0.08, within 0..1; ignored for gray images).
         *
         * @param cast the largest change
         * @return this builder
         */
        public Builder optColorCast(double cast) {
            this.colorCast = cast;
            return this;
        }

        /**
         * Largest strength of a linear lighting gradient across the image: pixels are multiplied
         * by 1 plus up to this much from one side to the other (default 0.4, within 0..1).
         *
         * @param strength the largest gradient
         * @return this builder
         */
        public Builder optLighting(double strength) {
            this.lighting = strength;
            return this;
        }

        /**
         * How far background and clothing tones stray from mid-gray, and whether random shapes
         * sit behind the person (default 0.4, within 0..0.5; 0 is a plain mid-gray background
         * and the same clothes in every image).
         *
         * @param spread the largest distance from mid-gray
         * @return this builder
         */
        public Builder optBackgroundVariation(double spread) {
            this.backgroundVariation = spread;
            return this;
        }

        /**
         * Standard deviation of the Gaussian pixel noise, in units of the full pixel range
         * (default 0.03, within 0..1).
         *
         * @param std the noise level
         * @return this builder
         */
        public Builder optNoiseStd(double std) {
            this.noiseStd = std;
            return this;
        }

        /**
         * Largest Gaussian blur sigma in pixels; each image's sigma is drawn from 0 to this
         * (default 0.8, at most 10).
         *
         * @param sigma the largest sigma
         * @return this builder
         */
        public Builder optMaxBlur(double sigma) {
            this.maxBlur = sigma;
            return this;
        }

        /**
         * Probability that a block of random tone hides part of an image (default 0.1).
         *
         * @param probability within 0..1
         * @return this builder
         */
        public Builder optOcclusion(double probability) {
            this.occlusion = probability;
            return this;
        }

        /**
         * Draws the identity-bound attributes so that the images show what the labels say, for
         * attribute recognition (default off, so that the faces of earlier versions, and the
         * verification figures measured on them, stay as they were): a {@code moustache} only
         * without a beard (inside one it does not show; the label follows), 0.16 face units thick,
         * wider than the mouth with drooping ends (unlike a lip), and dark where the hair's shade
         * would hardly differ from the skin; hair (and so a beard or a bald crown) that stands out
         * from the skin, at least 0.2 apart in gray luminance (dark hair 0.05-0.2, light hair
         * 0.8-0.95 beside skin 0.45-0.6); glasses frames 0.07 units thick instead of 0.03 (under
         * a pixel at 48x48); jaw widths in three groups far from the {@code face_shape}
         * boundaries (pointed 0.35-0.42, oval 0.71-0.77, square 0.98-1.05 of the cheeks' width),
         * a square jaw wide low down with a flat chin and a pointed one narrowing early, a dark
         * outline 0.08 units wide around the head and a beard that follows the jaw. Every
         * identity draws the same random numbers either way, so its labels are the same but for
         * a moustache inside a beard.
         *
         * @param distinct whether to
         * @return this builder
         */
        public Builder optDistinctAttributes(boolean distinct) {
            this.distinctAttributes = distinct;
            return this;
        }

        /**
         * Turns every variation off: no rotation, scale 1, no shift, turn, shear or expression,
         * plain mid-gray background and clothes, no lighting, brightness, contrast or colour
         * change, no blur, noise or occlusion. Each identity's images are then identical (its
         * prototype). Options set afterwards apply on top.
         *
         * @return this builder
         */
        public Builder optNoVariation() {
            maxRotation = 0;
            minScale = 1;
            maxScale = 1;
            maxShift = 0;
            maxYaw = 0;
            maxShear = 0;
            expression = 0;
            minBrightness = 0;
            maxBrightness = 0;
            minContrast = 1;
            maxContrast = 1;
            colorCast = 0;
            lighting = 0;
            backgroundVariation = 0;
            noiseStd = 0;
            maxBlur = 0;
            occlusion = 0;
            return this;
        }

        /**
         * Seed of every random choice (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @return the generator
         * @throws IllegalArgumentException naming the first bad setting
         */
        public SyntheticIdentities build() {
            if (identities <= 0) {
                throw new IllegalArgumentException("The number of identities (setIdentities) must be positive, got "
                        + identities + ".");
            }
            if (minImages <= 0 || maxImages < minImages) {
                throw new IllegalArgumentException("The images per identity (optImagesPerIdentity) must be a positive"
                        + " range min..max, got " + minImages + ".." + maxImages + ".");
            }
            if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
                throw new IllegalArgumentException("The image size (optImageSize) must be from " + MIN_IMAGE_SIZE
                        + " to " + MAX_IMAGE_SIZE + " pixels, got " + imageSize + ".");
            }
            if (channels != 1 && channels != 3) {
                throw new IllegalArgumentException("The channels (optChannels) must be 1 or 3, got " + channels + ".");
            }
            if ((long) identities * maxImages > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Up to " + (long) identities * maxImages + " images are more than one"
                        + " generator labels (" + Integer.MAX_VALUE + ").");
            }
            checkRange("maximum rotation (optMaxRotation)", maxRotation, 0, 180);
            if (!(minScale > 0) || !(maxScale >= minScale) || maxScale > 10) {
                throw new IllegalArgumentException("The scale range (optScaleRange) must be positive with min <= max"
                        + " <= 10, got " + minScale + ".." + maxScale + ".");
            }
            checkRange("maximum shift (optMaxShift)", maxShift, 0, 0.5);
            if (!(maxYaw >= 0 && maxYaw < 90)) {
                throw new IllegalArgumentException("The maximum yaw (optMaxYaw) must be from 0 to below 90 degrees, got "
                        + maxYaw + ".");
            }
            checkRange("maximum shear (optMaxShear)", maxShear, 0, 1);
            checkRange("expression strength (optExpression)", expression, 0, 3);
            if (!(minBrightness >= -1) || !(maxBrightness >= minBrightness) || maxBrightness > 1) {
                throw new IllegalArgumentException("The brightness range (optBrightnessRange) must lie within -1..1 with"
                        + " min <= max, got " + minBrightness + ".." + maxBrightness + ".");
            }
            if (!(minContrast > 0) || !(maxContrast >= minContrast) || maxContrast > 10) {
                throw new IllegalArgumentException("The contrast range (optContrastRange) must be positive with min <="
                        + " max <= 10, got " + minContrast + ".." + maxContrast + ".");
            }
            checkRange("color cast (optColorCast)", colorCast, 0, 1);
            checkRange("lighting strength (optLighting)", lighting, 0, 1);
            checkRange("background variation (optBackgroundVariation)", backgroundVariation, 0, 0.5);
            checkRange("noise standard deviation (optNoiseStd)", noiseStd, 0, 1);
            checkRange("maximum blur (optMaxBlur)", maxBlur, 0, 10);
            checkRange("occlusion probability (optOcclusion)", occlusion, 0, 1);
            return new SyntheticIdentities(this);
        }

        private static void checkRange(String what, double value, double min, double max) {
            if (!(value >= min && value <= max)) {
                throw new IllegalArgumentException("The " + what + " must be from " + fmt(min) + " to " + fmt(max)
                        + ", got " + value + ".");
            }
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
        }
    }
}
