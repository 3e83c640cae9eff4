/**
 * PNG plots for looking at embeddings and their evaluation, drawn off-screen with XChart.
 *
 * <ul>
 *   <li>{@link io.github.dml4j.viz.RocPlot}: true accept rate against false accept rate of an
 *       {@link io.github.dml4j.eval.RocCurve}, AUC and EER in the legend, the FAR axis linear or
 *       logarithmic, the operating point of a threshold marked;
 *   <li>{@link io.github.dml4j.viz.EmbeddingMap}: embeddings projected onto their first two
 *       principal components ({@link io.github.dml4j.viz.Pca}, covariance on the engine), one
 *       colour per label for the 20 most frequent labels and grey for the rest, at most 20,000
 *       points drawn (a seeded sample);
 *   <li>{@link io.github.dml4j.viz.TrainingCurves}: mean loss per epoch of a {@link
 *       io.github.dml4j.provenance.TrainingHistory}, with metric columns on a second axis;
 *   <li>{@link io.github.dml4j.viz.VerificationPlots}: the ROC curves and the embedding map of a
 *       verification evaluation written into one folder.
 * </ul>
 *
 * <p>Every plot is an immutable {@link io.github.dml4j.viz.Plot} of a fixed size (default 800 x
 * 600 pixels, {@code optSize(width, height)}), rendered to a {@link java.awt.image.BufferedImage}
 * or written with {@code write(Path)}, which creates missing folders and replaces the file
 * atomically. No display is needed; set {@code java.awt.headless=true} on machines without one.
 * The dependency runs one way: {@code viz} reads {@code eval} and {@code train}, which know
 * nothing of plots.
 */
package io.github.dml4j.viz;
