package io.github.dml4j.train;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;

/** The optimizers {@link MetricTrainer} offers by name, with PyTorch's default settings. */
public enum OptimizerType {

    /** Stochastic gradient descent with momentum 0.9. */
    SGD,
    /** Adam (Kingma and Ba 2015), betas 0.9 / 0.999. */
    ADAM,
    /** RMSprop, rho 0.99 (see {@link RmsProp}). */
    RMSPROP;

    /** Creates the optimizer with the given learning rate tracker and weight decay. */
    public Optimizer create(ParameterTracker learningRate, float weightDecay) {
        return switch (this) {
            case SGD -> Optimizer.sgd().setLearningRateTracker(learningRate).optMomentum(0.9f)
                    .optWeightDecays(weightDecay).build();
            case ADAM -> Optimizer.adam().optLearningRateTracker(learningRate).optWeightDecays(weightDecay).build();
            case RMSPROP -> RmsProp.builder().optLearningRateTracker(learningRate).optWeightDecays(weightDecay).build();
        };
    }
}
