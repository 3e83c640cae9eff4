package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListenerAdapter;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The default training listener: on an interactive terminal it draws a progress bar per epoch
 * (batch, running mean loss), redrawn at most ten times a second; when output goes to a file or
 * a pipe it draws nothing, and the trainer's one log line per epoch is the whole record.
 */
public final class TrainingProgress extends TrainingListenerAdapter {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter console;
    private int epoch = 1;
    private double lossSum;
    private long batches;
    private long lastDraw;

    /** Draws on the terminal if the JVM has one ({@link System#console()}), else stays silent. */
    public TrainingProgress() {
        this(terminal());
    }

    /**
     * Draws on {@code console}, or nowhere when it is null.
     *
     * @param console where the bar is drawn, or null
     */
    public TrainingProgress(PrintWriter console) {
        this.console = console;
    }

    private static PrintWriter terminal() {
        Console c = System.console();
        return c == null ? null : c.writer();
    }

    /** Whether a bar is drawn. */
    public boolean isDrawing() {
        return console != null;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (console == null) {
            return;
        }
        for (NDList predictions : batchData.getPredictions().values()) {
            lossSum += predictions.get(0).getFloat();
            batches++;
        }
        Batch batch = batchData.getBatch();
        long done = batch.getProgress();
        long total = batch.getProgressTotal();
        long now = System.nanoTime();
        if (done < total && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        int filled = total <= 0 ? 0 : (int) (WIDTH * done / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        console.printf(Locale.ROOT, "\rEpoch %d [%s] %d/%d loss %.4f", epoch, bar, done, total,
                batches == 0 ? Double.NaN : lossSum / batches);
        if (done >= total) {
            console.println();
        }
        console.flush();
    }

    @Override
    public void onEpoch(Trainer trainer) {
        epoch++;
        lossSum = 0;
        batches = 0;
        lastDraw = 0;
    }
}
