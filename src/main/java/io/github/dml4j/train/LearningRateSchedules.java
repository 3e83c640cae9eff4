package io.github.dml4j.train;

import ai.djl.training.tracker.Tracker;

import java.util.Locale;

/**
 * Learning-rate schedules over optimizer updates, as DJL {@link Tracker}s for
 * {@link MetricTrainer.Builder#optLearningRate(Tracker)}: the schedule gives the base rate of
 * update {@code t} (1 for the first), and every parameter group gets it times the group's
 * multiplier, so a loss's class weights at 10x keep their 10x through warm-up and decay.
 *
 * <pre>{@code
 * int steps = batches.batchesPerEpoch() * epochs;
 * Tracker lr = LearningRateSchedules.warmUpCosine(1e-3f, steps / 20, steps, 1e-5f);
 * MetricTrainer.builder().setHead(head).optLearningRate(lr).optEpochs(epochs).build();
 * }</pre>
 *
 * <p>A schedule is a pure function of the update number, so a resumed run, whose optimizer
 * restores every parameter's update count, continues on the same curve.
 */
public final class LearningRateSchedules {

    private LearningRateSchedules() {}

    /**
     * Linear warm-up then cosine decay, the usual schedule for fine-tuning pretrained backbones:
     * {@code peak * t / warmUpSteps} for the first {@code warmUpSteps} updates, then half a
     * cosine from {@code peak} down to {@code finalRate} at update {@code totalSteps}, and
     * {@code finalRate} after it.
     *
     * @param peak the rate at the end of the warm-up
     * @param warmUpSteps updates of warm-up, 0 for none
     * @param totalSteps the update at which the cosine reaches {@code finalRate}, more than {@code warmUpSteps}
     * @param finalRate the last rate, from 0 to {@code peak}
     * @return the schedule
     * @throws IllegalArgumentException naming a value out of range
     */
    public static Tracker warmUpCosine(float peak, int warmUpSteps, int totalSteps, float finalRate) {
        checkRate("peak", peak);
        if (warmUpSteps < 0) {
            throw new IllegalArgumentException("The warm-up must be 0 or more updates, got " + warmUpSteps + ".");
        }
        if (totalSteps <= warmUpSteps) {
            throw new IllegalArgumentException("The cosine schedule's total of " + totalSteps
                    + " updates must exceed its warm-up of " + warmUpSteps + ".");
        }
        if (!(finalRate >= 0f && finalRate <= peak)) {
            throw new IllegalArgumentException("The cosine schedule's final rate must be from 0 to the peak " + peak
                    + ", got " + finalRate + ".");
        }
        return new WarmUpCosine(peak, warmUpSteps, totalSteps, finalRate);
    }

    /**
     * Step decay, as {@code torch.optim.lr_scheduler.StepLR}: {@code initial * gamma^k} during the
     * k-th block of {@code stepSize} updates (k = 0, 1, ...).
     *
     * @param initial the first rate
     * @param stepSize updates between decays, at least 1
     * @param gamma the factor at each decay, in (0, 1]
     * @return the schedule
     * @throws IllegalArgumentException naming a value out of range
     */
    public static Tracker stepDecay(float initial, int stepSize, float gamma) {
        checkRate("initial", initial);
        if (stepSize < 1) {
            throw new IllegalArgumentException("The step decay's step size must be at least 1 update, got " + stepSize + ".");
        }
        if (!(gamma > 0f && gamma <= 1f)) {
            throw new IllegalArgumentException("The step decay's gamma must be in (0, 1], got " + gamma + ".");
        }
        return new StepDecay(initial, stepSize, gamma);
    }

    private static void checkRate(String name, float rate) {
        if (!(rate > 0f) || !Float.isFinite(rate)) {
            throw new IllegalArgumentException("The schedule's " + name + " learning rate must be a positive number, got "
                    + rate + ".");
        }
    }

    private record WarmUpCosine(float peak, int warmUpSteps, int totalSteps, float finalRate) implements Tracker {
        @Override
        public float getNewValue(int numUpdate) {
            if (warmUpSteps > 0 && numUpdate <= warmUpSteps) {
                return (float) ((double) peak * Math.max(0, numUpdate) / warmUpSteps);
            }
            double progress = Math.min(1.0, (double) (numUpdate - warmUpSteps) / (totalSteps - warmUpSteps));
            return (float) (finalRate + (peak - (double) finalRate) * 0.5 * (1 + Math.cos(Math.PI * progress)));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "warmUpCosine(peak=%s, warmUpSteps=%d, totalSteps=%d, finalRate=%s)", peak,
                    warmUpSteps, totalSteps, finalRate);
        }
    }

    private record StepDecay(float initial, int stepSize, float gamma) implements Tracker {
        @Override
        public float getNewValue(int numUpdate) {
            int k = Math.max(0, numUpdate - 1) / stepSize;
            return (float) (initial * Math.pow(gamma, k));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "stepDecay(initial=%s, stepSize=%d, gamma=%s)", initial, stepSize, gamma);
        }
    }
}
