package io.github.dml4j.viz;

import io.github.dml4j.provenance.EpochResult;
import io.github.dml4j.provenance.TrainingHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG of a training run: the mean loss of each epoch from a {@link TrainingHistory} on the
 * left axis, and any per-epoch metric columns (for example validation Precision@1 or MAP@R,
 * given with {@link Builder#addMetric(String, double[])}) on a second axis at the right, so that
 * a falling loss and a rising metric read on their own scales.
 *
 * <p>Epochs whose value is NaN (an epoch with no batch trained, a metric not measured that
 * epoch) are left out of that line.
 *
 * <pre>{@code
 * TrainingCurves.builder().setHistory(history).addMetric("val MAP@R", mapAtR)
 *         .build().write(Path.of("report/training.png"));
 * }</pre>
 */
public final class TrainingCurves extends Plot {

    private final int[] epochs;
    private final double[] losses;
    private final Map<String, double[]> metrics;

    private TrainingCurves(Builder builder) {
        super(builder);
        List<EpochResult> results = builder.history.epochs();
        this.epochs = results.stream().mapToInt(EpochResult::epoch).toArray();
        this.losses = builder.history.losses();
        Map<String, double[]> copy = new LinkedHashMap<>();
        builder.metrics.forEach((name, values) -> copy.put(name, values.clone()));
        this.metrics = copy;
    }

    /** Returns a builder; {@link Builder#setHistory(TrainingHistory)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The names of the metric columns, in the order added. */
    public List<String> metricNames() {
        return List.copyOf(metrics.keySet());
    }

    @Override
    XYChart chart() {
        XYChart chart = newChart("Training: mean loss per epoch", "Epoch", "Mean loss");
        Styler styler = chart.getStyler();
        styler.setMarkerSize(6);
        chart.getStyler().setXAxisDecimalPattern("0");
        double[][] loss = finitePoints(epochs, losses);
        XYSeries lossSeries = chart.addSeries("loss", loss[0], loss[1]);
        lossSeries.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        lossSeries.setMarker(SeriesMarkers.CIRCLE);
        lossSeries.setLineColor(PALETTE[0]);
        lossSeries.setMarkerColor(PALETTE[0]);
        lossSeries.setLineWidth(2f);
        if (!metrics.isEmpty()) {
            chart.setYAxisGroupTitle(1, metrics.size() == 1 ? metrics.keySet().iterator().next() : "Metric");
            styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            int k = 1;
            for (Map.Entry<String, double[]> e : metrics.entrySet()) {
                double[][] pts = finitePoints(epochs, e.getValue());
                XYSeries s = chart.addSeries(e.getKey(), pts[0], pts[1]);
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                s.setMarker(SeriesMarkers.DIAMOND);
                s.setLineColor(PALETTE[k % PALETTE.length]);
                s.setMarkerColor(PALETTE[k % PALETTE.length]);
                s.setYAxisGroup(1);
                k++;
            }
        }
        return chart;
    }

    private static double[][] finitePoints(int[] epochs, double[] values) {
        double[] xs = new double[values.length];
        double[] ys = new double[values.length];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i])) {
                xs[n] = epochs[i];
                ys[n] = values[i];
                n++;
            }
        }
        return new double[][] {Arrays.copyOf(xs, n), Arrays.copyOf(ys, n)};
    }

    private static boolean anyFinite(double[] values) {
        return Arrays.stream(values).anyMatch(Double::isFinite);
    }

    @Override
    public String toString() {
        return "TrainingCurves{epochs=" + epochs.length + ", metrics=" + metrics.keySet() + ", "
                + width() + "x" + height() + '}';
    }

    /** Builder for {@link TrainingCurves}, in DJL's style. */
    public static final class Builder extends BaseBuilder<Builder> {
        private TrainingHistory history;
        private final Map<String, double[]> metrics = new LinkedHashMap<>();
        private final List<String> problems = new ArrayList<>();

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** Sets the training history (required): one mean loss per epoch. */
        public Builder setHistory(TrainingHistory history) {
            this.history = history;
            return this;
        }

        /**
         * Adds a metric column, one value per epoch of the history (NaN where it was not
         * measured), drawn on the right axis.
         *
         * @param name the legend name, unique and not blank
         * @param perEpoch the value at each epoch; copied
         */
        public Builder addMetric(String name, double[] perEpoch) {
            if (name == null || name.isBlank()) {
                problems.add("A metric name must not be blank.");
            } else if (perEpoch == null) {
                problems.add("The metric '" + name + "' has no values.");
            } else if (metrics.containsKey(name) || "loss".equals(name)) {
                problems.add("The metric name '" + name + "' is used twice.");
            } else {
                metrics.put(name, perEpoch.clone());
            }
            return this;
        }

        /**
         * Validates the settings and builds the plot.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public TrainingCurves build() {
            checkShared();
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(problems.get(0));
            }
            if (history == null) {
                throw new IllegalArgumentException("The history is required: call setHistory.");
            }
            if (history.epochs().isEmpty()) {
                throw new IllegalArgumentException("The history has no epochs: there is nothing to plot.");
            }
            if (!anyFinite(history.losses())) {
                throw new IllegalArgumentException("The history has no finite loss: there is nothing to plot.");
            }
            int n = history.epochs().size();
            for (Map.Entry<String, double[]> e : metrics.entrySet()) {
                if (e.getValue().length != n) {
                    throw new IllegalArgumentException("The metric '" + e.getKey() + "' has " + e.getValue().length
                            + " values but the history has " + n + " epochs: give one value per epoch.");
                }
                if (!anyFinite(e.getValue())) {
                    throw new IllegalArgumentException("The metric '" + e.getKey() + "' has no finite value.");
                }
            }
            return new TrainingCurves(this);
        }
    }
}
