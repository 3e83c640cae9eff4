package io.github.dml4j.viz;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A chart of a fixed size in pixels that renders off-screen and writes itself as a PNG file:
 * the common part of {@link RocPlot}, {@link EmbeddingMap} and {@link TrainingCurves}.
 *
 * <p>Charts are drawn with XChart into a {@link BufferedImage}, which needs no display; run the
 * JVM with {@code -Djava.awt.headless=true} on machines without one (the build's tests do).
 * {@link #write(Path)} creates the missing parent folders and writes to a temporary file in the
 * target folder, then moves it into place (atomically where the file system can), so that a
 * failure never leaves a half-written PNG under the final name.
 *
 * <p>Plots are immutable: their data are copied when they are built, and {@link #render()} draws
 * a fresh image each call. They are safe to render from several threads.
 */
public abstract sealed class Plot permits RocPlot, EmbeddingMap, TrainingCurves {

    private static final Logger logger = LoggerFactory.getLogger(Plot.class);

    /** Default width in pixels. */
    public static final int DEFAULT_WIDTH = 800;

    /** Default height in pixels. */
    public static final int DEFAULT_HEIGHT = 600;

    /** Smallest width or height accepted, in pixels. */
    public static final int MIN_SIZE = 100;

    /** Largest width or height accepted, in pixels. */
    public static final int MAX_SIZE = 10_000;

    /**
     * Twenty colours that stay apart from each other (Tableau's 20, dark then light of each
     * hue, with its two greys swapped for indigo and olive so that grey can mean "other"), for
     * series that must be told apart.
     */
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x393b79),
        new Color(0xbcbd22), new Color(0x17becf), new Color(0xaec7e8), new Color(0xffbb78),
        new Color(0x98df8a), new Color(0xff9896), new Color(0xc5b0d5), new Color(0xc49c94),
        new Color(0xf7b6d2), new Color(0x637939), new Color(0xdbdb8d), new Color(0x9edae5)
    };

    private final int width;
    private final int height;
    private final String title;

    Plot(BaseBuilder<?> builder) {
        this.width = builder.width;
        this.height = builder.height;
        this.title = builder.title;
    }

    /** Width of the image in pixels. */
    public int width() {
        return width;
    }

    /** Height of the image in pixels. */
    public int height() {
        return height;
    }

    /** The title set on the builder, or {@code null} for the plot's own default title. */
    public String title() {
        return title;
    }

    /** Builds the chart to draw; called on every render. */
    abstract XYChart chart();

    /** Draws the plot into a new {@code width x height} RGB image. */
    public BufferedImage render() {
        return BitmapEncoder.getBufferedImage(chart());
    }

    /**
     * Writes the plot as a PNG file, replacing any file of that name.
     *
     * @param png the file to write; missing parent folders are created
     * @throws IOException naming the file if a parent is not a folder, the target is a folder,
     *     or the file cannot be written; no partial file is left under the target's name
     */
    public void write(Path png) throws IOException {
        Objects.requireNonNull(png, "The PNG path must not be null.");
        Path target = png.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new IOException("Cannot write the plot to " + png + ": it is a folder.");
        }
        Path dir = target.getParent();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) {
                break;
            }
            if (Files.exists(p)) {
                throw new IOException("Cannot write the plot to " + png + ": " + p + " is a file, not a folder.");
            }
        }
        Path temporary;
        try {
            Files.createDirectories(dir);
            temporary = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        } catch (IOException e) {
            throw new IOException("Cannot write the plot to " + png + ": " + e, e);
        }
        try {
            BufferedImage image = render();
            try (OutputStream out = Files.newOutputStream(temporary)) {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IllegalStateException("This JVM has no PNG writer (javax.imageio).");
                }
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IOException("Cannot write the plot to " + png + ": " + e, e);
        } finally {
            Files.deleteIfExists(temporary);
        }
        logger.debug("Wrote a {} x {} plot to {}", width, height, target);
    }

    /** A chart of this plot's size with the shared style: white, anti-aliased, legend right. */
    XYChart newChart(String defaultTitle, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder()
                .width(width)
                .height(height)
                .title(title != null ? title : defaultTitle)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        XYStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.GRAY);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartTitleBoxVisible(false);
        styler.setAntiAlias(true);
        styler.setSeriesColors(PALETTE);
        return chart;
    }

    /**
     * Keeps the points of a curve that move at least half a pixel from the last kept one, in
     * the axis's own scale (log10 for a log axis), always the first and last: a curve of a
     * million ROC points becomes at most a few thousand without a visible change.
     *
     * @return {xs, ys} of the kept points
     */
    static double[][] thin(double[] xs, double[] ys, boolean logX, int plotWidth, int plotHeight) {
        int n = xs.length;
        if (n <= 2) {
            return new double[][] {xs.clone(), ys.clone()};
        }
        double[] u = new double[n];
        double minU = Double.POSITIVE_INFINITY;
        double maxU = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            u[i] = logX ? Math.log10(xs[i]) : xs[i];
            minU = Math.min(minU, u[i]);
            maxU = Math.max(maxU, u[i]);
            minY = Math.min(minY, ys[i]);
            maxY = Math.max(maxY, ys[i]);
        }
        double stepU = (maxU - minU) / (2.0 * plotWidth);
        double stepY = (maxY - minY) / (2.0 * plotHeight);
        double[] keptX = new double[n];
        double[] keptY = new double[n];
        int kept = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            boolean keep = i == 0 || i == n - 1
                    || Math.abs(u[i] - u[last]) >= stepU
                    || Math.abs(ys[i] - ys[last]) >= stepY;
            if (keep) {
                keptX[kept] = xs[i];
                keptY[kept] = ys[i];
                kept++;
                last = i;
            }
        }
        return new double[][] {Arrays.copyOf(keptX, kept), Arrays.copyOf(keptY, kept)};
    }

    /**
     * The builder options every plot shares, self-typed so that they chain with each plot's
     * own options.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> {
        int width = DEFAULT_WIDTH;
        int height = DEFAULT_HEIGHT;
        String title;

        BaseBuilder() {}

        abstract T self();

        /**
         * Sets the image size in pixels (default {@value Plot#DEFAULT_WIDTH} x {@value
         * Plot#DEFAULT_HEIGHT}); each side between {@value Plot#MIN_SIZE} and {@value
         * Plot#MAX_SIZE}.
         */
        public T optSize(int width, int height) {
            this.width = width;
            this.height = height;
            return self();
        }

        /** Sets the chart title, replacing the plot's default title. */
        public T optTitle(String title) {
            this.title = title;
            return self();
        }

        /** Checks the shared options; each plot's {@code build()} calls it first. */
        void checkShared() {
            if (width < MIN_SIZE || width > MAX_SIZE) {
                throw new IllegalArgumentException("The width must be between " + MIN_SIZE + " and " + MAX_SIZE
                        + " pixels, but was " + width + ".");
            }
            if (height < MIN_SIZE || height > MAX_SIZE) {
                throw new IllegalArgumentException("The height must be between " + MIN_SIZE + " and " + MAX_SIZE
                        + " pixels, but was " + height + ".");
            }
        }
    }
}
