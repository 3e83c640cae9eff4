package io.github.dml4j.train;

import ai.djl.training.tracker.ParameterTracker;

/**
 * The optimizers {@link MetricTrainer} offers by name, with PyTorch's default settings. Each is a
 * {@link ResumableOptimizer}, so its state goes into the trainer's checkpoints and a resumed run
 * continues exactly.
 */
public enum OptimizerType {

    /** Stochastic gradient descent with momentum 0.9. */
    SGD,
    /** Adam (Kingma and Ba 2015), betas 0.9 / 0.999; weight decay is L2 added to the gradient. */
    ADAM,
    /** AdamW: Adam with decoupled weight decay (Loshchilov and Hutter 2019), as {@code torch.optim.AdamW}. */
    ADAMW,
    /** RMSprop, rho 0.99 (see {@link RmsProp}). */
    RMSPROP;

    /** Creates the optimizer with the given learning rate tracker and weight decay. */
    public ResumableOptimizer create(ParameterTracker learningRate, float weightDecay) {
        return switch (this) {
            case SGD -> ResumableSgd.builder().optLearningRateTracker(learningRate).optMomentum(0.9f)
                    .optWeightDecays(weightDecay).build();
            case ADAM -> ResumableAdam.builder().optLearningRateTracker(learningRate).optWeightDecays(weightDecay).build();
            case ADAMW -> ResumableAdam.builder().optLearningRateTracker(learningRate).optWeightDecays(weightDecay)
                    .optDecoupledWeightDecay(true).build();
            case RMSPROP -> RmsProp.builder().optLearningRateTracker(learningRate).optWeightDecays(weightDecay).build();
        };
    }
}
