package io.github.dml4j.viz;

import io.github.dml4j.eval.RocCurve;
import java.awt.BasicStroke;
import java.awt.Color;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG of a verification ROC curve: true accept rate (TAR) against false accept rate (FAR) of
 * an {@link RocCurve}, with its AUC and EER in the legend and the default title, the chance
 * diagonal, and optionally the operating point of a decision threshold.
 *
 * <p>Face verification reads the curve at low FARs (TAR at FAR 1e-3, 1e-4), so {@link
 * Builder#optLogFar(boolean)} puts the FAR axis on a log scale; points with FAR 0 cannot be
 * drawn there and are left out. Curves of many pairs are thinned to the points that move by at
 * least half a pixel, so a million-pair curve draws as fast as a small one and looks the same.
 *
 * <p>The operating point of threshold t is the curve's point for "same" when score &ge; t: the
 * FAR and TAR of accepting exactly the pairs scored at least t.
 *
 * <pre>{@code
 * RocPlot.builder().setRoc(roc).optLogFar(true).optThreshold(report.thresholdAtFar().get(1e-3))
 *         .build().write(Path.of("report/roc.png"));
 * }</pre>
 */
public final class RocPlot extends Plot {

    private final RocCurve roc;
    private final boolean logFar;
    private final OperatingPoint operatingPoint;

    private RocPlot(Builder builder) {
        super(builder);
        this.roc = builder.roc;
        this.logFar = builder.logFar;
        this.operatingPoint = builder.threshold == null ? null : operatingPoint(roc, builder.threshold);
    }

    /** Returns a builder; {@link Builder#setRoc(RocCurve)} is required. Default: linear FAR axis. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The point of a curve for a decision threshold: "same" predicted for score &ge; threshold.
     *
     * @param roc the curve
     * @param threshold any number; above every score it gives (0, 0), at or below the lowest
     *     score (1, 1)
     * @return the threshold with the FAR and TAR of that decision
     * @throws IllegalArgumentException if the threshold is NaN
     */
    public static OperatingPoint operatingPoint(RocCurve roc, double threshold) {
        Objects.requireNonNull(roc, "The ROC curve must not be null.");
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("The threshold must be a number, but was NaN.");
        }
        double[] thresholds = roc.thresholds(); // strictly decreasing, +infinity first
        int p = 0;
        while (p + 1 < thresholds.length && thresholds[p + 1] >= threshold) {
            p++;
        }
        return new OperatingPoint(threshold, roc.fpr()[p], roc.tpr()[p]);
    }

    /**
     * A marked point of the curve.
     *
     * @param threshold the decision threshold
     * @param far false accept rate at that threshold
     * @param tar true accept rate at that threshold
     */
    public record OperatingPoint(double threshold, double far, double tar) {}

    /** The curve drawn. */
    public RocCurve roc() {
        return roc;
    }

    /** Whether the FAR axis is logarithmic. */
    public boolean isLogFar() {
        return logFar;
    }

    /** The marked operating point, if a threshold was given. */
    public Optional<OperatingPoint> operatingPoint() {
        return Optional.ofNullable(operatingPoint);
    }

    @Override
    XYChart chart() {
        String summary = String.format(Locale.ROOT, "AUC %.4f, EER %.4f", roc.auc(), roc.eer());
        XYChart chart = newChart("ROC curve: " + summary,
                logFar ? "False accept rate (FAR, log scale)" : "False accept rate (FAR)",
                "True accept rate (TAR)");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisLogarithmic(logFar);
        if (!logFar) {
            chart.getStyler().setXAxisMin(0.0);
            chart.getStyler().setXAxisMax(1.0);
        }

        double[] fpr = roc.fpr();
        double[] tpr = roc.tpr();
        int first = 0;
        if (logFar) {
            while (fpr[first] <= 0) {
                first++; // the last point is (1, 1), so some point has FAR > 0
            }
        }
        double[] xs = java.util.Arrays.copyOfRange(fpr, first, fpr.length);
        double[] ys = java.util.Arrays.copyOfRange(tpr, first, tpr.length);
        double minFar = xs[0];
        double[][] thinned = thin(xs, ys, logFar, width(), height());

        double[] chanceX;
        if (logFar) {
            int steps = 50;
            chanceX = new double[steps + 1];
            double lo = Math.log10(minFar);
            for (int i = 0; i <= steps; i++) {
                chanceX[i] = Math.pow(10, lo + (0 - lo) * i / steps);
            }
        } else {
            chanceX = new double[] {0, 1};
        }
        XYSeries chance = chart.addSeries("chance", chanceX, chanceX.clone());
        chance.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chance.setMarker(SeriesMarkers.NONE);
        chance.setLineColor(Color.GRAY);
        chance.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));

        XYSeries curve = chart.addSeries("ROC (" + summary + ")", thinned[0], thinned[1]);
        curve.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        curve.setMarker(SeriesMarkers.NONE);
        curve.setLineColor(PALETTE[0]);
        curve.setLineWidth(2f);

        if (operatingPoint != null) {
            OperatingPoint op = operatingPoint;
            double x = logFar ? Math.max(op.far(), minFar) : op.far(); // FAR 0: the axis's left end
            String name = String.format(Locale.ROOT, "threshold %.4g: TAR %.4f at FAR %.4g", op.threshold(), op.tar(), op.far());
            XYSeries point = chart.addSeries(name, new double[] {x}, new double[] {op.tar()});
            point.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            point.setMarker(SeriesMarkers.DIAMOND);
            point.setMarkerColor(PALETTE[3]);
        }
        chart.getStyler().setMarkerSize(10);
        return chart;
    }

    @Override
    public String toString() {
        return "RocPlot{" + roc + ", logFar=" + logFar + ", operatingPoint=" + operatingPoint + ", "
                + width() + "x" + height() + '}';
    }

    /** Builder for {@link RocPlot}, in DJL's style. */
    public static final class Builder extends BaseBuilder<Builder> {
        private RocCurve roc;
        private boolean logFar;
        private Double threshold;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** Sets the curve to draw (required). */
        public Builder setRoc(RocCurve roc) {
            this.roc = roc;
            return this;
        }

        /** Puts the FAR axis on a log scale (default linear); points with FAR 0 are left out. */
        public Builder optLogFar(boolean logFar) {
            this.logFar = logFar;
            return this;
        }

        /** Marks the operating point of a decision threshold on the score scale of the curve. */
        public Builder optThreshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        /**
         * Validates the settings and builds the plot.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public RocPlot build() {
            checkShared();
            if (roc == null) {
                throw new IllegalArgumentException("The ROC curve is required: call setRoc.");
            }
            if (threshold != null && Double.isNaN(threshold)) {
                throw new IllegalArgumentException("The threshold must be a number, but was NaN.");
            }
            return new RocPlot(this);
        }
    }
}
