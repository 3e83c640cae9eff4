package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.CenterLoss;

import java.util.Locale;
import java.util.Map;

/**
 * Softmax plus center loss (Wen, Zhang, Li and Qiao 2016, "A Discriminative Feature Learning
 * Approach for Deep Face Recognition"): a linear softmax classifier on the embedding, trained by
 * the optimizer with the network, plus learned class centres that the embeddings are pulled to.
 *
 * <pre>
 *   L = CE(W x_i + b, y_i) + lambda * 1/2 * mean_i |x_i - c_{y_i}|^2       (lambda default 0.01)
 * </pre>
 *
 * <p>The centres are updated in one of three ways ({@link CenterUpdate}):
 * <ul>
 *   <li>{@link CenterUpdate#WEN} (default), the paper's rule, after each optimizer step and
 *       outside the optimizer: {@code c_j -= alpha * sum_{i: y_i = j}(c_j - x_i) / (1 + n_j)}
 *       with n_j the batch's examples of class j and alpha 0.5 by default. The centres
 *       parameter does not require gradients, so the optimizer never touches it; the update runs
 *       on the engine (one-hot matrix products on the detached embeddings), no loop over the
 *       batch.</li>
 *   <li>{@link CenterUpdate#OPTIMIZER}: the centres are an ordinary parameter that the optimizer
 *       trains on the gradient of the centre term, optionally at a learning rate of their own;</li>
 *   <li>{@link CenterUpdate#SGD}: as WEN, outside the optimizer, but by plain SGD at rate alpha on
 *       the centre loss's gradient, {@code c_j -= alpha * sum_{i: y_i = j}(c_j - x_i) / B}, as
 *       pytorch-metric-learning's recipe moves them.</li>
 * </ul>
 *
 * <p>The centres start at zero: with the paper's rule they become running class means within a
 * few steps. Forward returns the embeddings and the (B, C) class logits; given the labels (as
 * {@code Trainer.forward(data, labels)} passes them) it checks that each lies in [0, C) and also
 * returns each example's centre. Only the embedding network is exported; classifier and centres
 * are dropped with the head.
 */
public final class CenterLossHead extends ClassHead {

    private static final byte VERSION = 1;

    /** How the class centres learn. */
    public enum CenterUpdate {
        /** Wen et al.'s rule at rate alpha, after each step, outside the optimizer (the paper's). */
        WEN,
        /** Through the optimizer, on the centre term's gradient. */
        OPTIMIZER,
        /**
         * Plain SGD at rate alpha on the centre loss's own gradient, {@code (1/B) sum_{i: y_i = j}
         * (c_j - x_i)} for a batch of B: like {@link #WEN} but normalized by the batch size instead
         * of {@code 1 + n_j}, so centres move more slowly. This is how pytorch-metric-learning's
         * center-loss recipe (and the benchmark's reference run) moves them.
         */
        SGD
    }

    private final float lambda;
    private final float alpha;
    private final CenterUpdate centerUpdate;
    private final Float centerLearningRate;
    private final CenterLoss centerLoss;
    private final Linear classifier;
    private final Parameter centers;
    private final Loss loss;

    private CenterLossHead(Builder builder) {
        super(VERSION, builder.embeddingNet, builder.numClasses);
        int numClasses = builder.numClasses;
        this.lambda = builder.lambda;
        this.alpha = builder.alpha;
        this.centerUpdate = builder.centerUpdate;
        this.centerLearningRate = builder.centerLearningRate;
        this.centerLoss = CenterLoss.builder().build();
        this.classifier = addChildBlock("classifier", Linear.builder().setUnits(numClasses).build());
        // PyTorch's default for linear weights, as the embedding network uses
        classifier.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                XavierInitializer.FactorType.IN, 1f), Parameter.Type.WEIGHT);
        this.centers = addParameter(Parameter.builder()
                .setName("centers")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(numClasses, builder.embeddingNet.getEmbeddingSize()))
                .optInitializer(Initializer.ZEROS)
                .optRequiresGrad(centerUpdate == CenterUpdate.OPTIMIZER)
                .build());
        this.loss = new SoftmaxCenterLoss(this);
    }

    /** Returns a builder; the embedding network and the number of classes are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The weight lambda of the centre term. */
    public float getLambda() {
        return lambda;
    }

    /** The rate alpha of Wen et al.'s centre update. */
    public float getAlpha() {
        return alpha;
    }

    /** How the centres learn. */
    public CenterUpdate getCenterUpdate() {
        return centerUpdate;
    }

    /** The (C, D) class centres, a parameter of this head. */
    public Parameter getCenters() {
        return centers;
    }

    /** The linear softmax classifier on the embedding. */
    public Linear getClassifier() {
        return classifier;
    }

    /** Evaluated on (labels, forward output): cross-entropy plus lambda times the center loss. */
    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public String describe() {
        String update = switch (centerUpdate) {
            case WEN -> "centres by Wen et al.'s rule (alpha " + alpha + ")";
            case SGD -> "centres by SGD on the centre loss (rate " + alpha + ")";
            case OPTIMIZER -> "centres by the optimizer" + (centerLearningRate == null ? "" : " at lr " + centerLearningRate);
        };
        return String.format(Locale.ROOT, "softmax + %s * center loss on %d classes, %s", lambda, getNumClasses(), update);
    }

    @Override
    public Map<Parameter, Float> getParameterLearningRates() {
        return centerUpdate == CenterUpdate.OPTIMIZER && centerLearningRate != null
                ? Map.of(centers, centerLearningRate) : Map.of();
    }

    /**
     * With {@link CenterUpdate#WEN}, moves each centre of a class in the batch towards the batch's
     * embeddings of that class: {@code c_j -= alpha * sum_{i: y_i = j}(c_j - x_i) / (1 + n_j)},
     * on the detached embeddings, in place. Does nothing with {@link CenterUpdate#OPTIMIZER}.
     */
    @Override
    public void afterStep(NDList predictions, NDList labels) {
        if (centerUpdate == CenterUpdate.OPTIMIZER || alpha == 0f) {
            return;
        }
        NDArray c = centers.getArray();
        NDArray x = predictions.head().stopGradient();
        // every array below is created from the batch's arrays first, so it joins the batch's manager
        NDArray oneHot = labels.head().reshape(-1).toType(DataType.INT64, false).oneHot(getNumClasses())
                .toType(c.getDataType(), false);
        NDArray own = oneHot.matMul(c);
        NDArray sums = oneHot.transpose().matMul(own.sub(x));
        if (centerUpdate == CenterUpdate.SGD) {
            c.subi(sums.mul(alpha / x.getShape().get(0)));
            return;
        }
        NDArray counts = oneHot.sum(new int[] {0}).add(1f).reshape(getNumClasses(), 1);
        c.subi(sums.div(counts).mul(alpha));
    }

    /** Returns the embeddings and the (B, C) logits of the softmax classifier. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray embeddings = getEmbeddingNet().forward(parameterStore, inputs, training, params).head();
        NDArray logits = classifier.forward(parameterStore, new NDList(embeddings), training, params).head();
        return new NDList(embeddings, logits);
    }

    /**
     * Checks that the labels lie in [0, C), then returns the embeddings, the logits and the
     * (B, D) centres of the examples' classes.
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
                                     PairList<String, Object> params) {
        NDList out = forwardInternal(parameterStore, data, true, params);
        if (labels == null || labels.isEmpty()) {
            return out;
        }
        NDArray flat = checkLabels(labels.head());
        NDArray c = parameterStore.getValue(centers, out.head().getDevice(), true);
        out.add(CenterLoss.ownCenters(flat, c));
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initializeChildBlocks(manager, dataType, inputShapes);
        classifier.initialize(manager, dataType, new Shape(inputShapes[0].get(0), getEmbeddingNet().getEmbeddingSize()));
    }

    /** Cross-entropy of the logits plus lambda times the center loss. */
    private static final class SoftmaxCenterLoss extends Loss {
        private final CenterLossHead head;

        SoftmaxCenterLoss(CenterLossHead head) {
            super("SoftmaxCenterLoss");
            this.head = head;
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            NDArray embeddings = predictions.get(0);
            NDArray logits = predictions.get(1);
            NDArray flat = labels.head().reshape(-1).toType(DataType.INT64, false);
            NDArray oneHot = flat.oneHot(head.getNumClasses()).toType(logits.getDataType(), false);
            NDArray crossEntropy = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
            // predictions of a forward pass without labels lack the own centres: gather them here
            NDArray own = predictions.size() > 2 ? predictions.get(2) : CenterLoss.ownCenters(flat, head.centers.getArray());
            return crossEntropy.add(head.centerLoss.computeFromOwnCenters(embeddings, own).mul(head.lambda));
        }
    }

    /** Builder for {@link CenterLossHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private int numClasses;
        private float lambda = 0.01f;
        private float alpha = 0.5f;
        private CenterUpdate centerUpdate = CenterUpdate.WEN;
        private Float centerLearningRate;

        private Builder() {}

        /** Sets the shared embedding network (required). */
        public Builder setEmbeddingNet(EmbeddingNet embeddingNet) {
            this.embeddingNet = embeddingNet;
            return this;
        }

        /** Sets the number of classes C of the training labels, which lie in [0, C) (required). */
        public Builder setNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** Sets the weight lambda of the centre term (default 0.01, the benchmark protocol's). */
        public Builder optLambda(float lambda) {
            this.lambda = lambda;
            return this;
        }

        /** Sets the rate alpha of Wen et al.'s centre update, in [0, 1] (default 0.5). */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Chooses how the centres learn (default {@link CenterUpdate#WEN}). */
        public Builder optCenterUpdate(CenterUpdate centerUpdate) {
            this.centerUpdate = centerUpdate;
            return this;
        }

        /**
         * Sets the centres' own learning rate with {@link CenterUpdate#OPTIMIZER} (default: the
         * trainer's learning rate).
         */
        public Builder optCenterLearningRate(float learningRate) {
            this.centerLearningRate = learningRate;
            return this;
        }

        /** Validates and builds the head. */
        public CenterLossHead build() {
            checkSettings("CenterLossHead", embeddingNet, numClasses);
            if (!Float.isFinite(lambda) || lambda < 0f) {
                throw new IllegalArgumentException("The lambda of CenterLossHead must be a finite number >= 0, got " + lambda + ".");
            }
            if (!(alpha >= 0f && alpha <= 1f)) {
                throw new IllegalArgumentException("The alpha of CenterLossHead must lie in [0, 1], got " + alpha + ".");
            }
            if (centerUpdate == null) {
                throw new IllegalArgumentException("The center update of CenterLossHead must not be null.");
            }
            if (centerLearningRate != null) {
                if (centerUpdate != CenterUpdate.OPTIMIZER) {
                    throw new IllegalArgumentException("CenterLossHead's center learning rate applies only with "
                            + "optCenterUpdate(CenterUpdate.OPTIMIZER); Wen et al.'s rule uses alpha instead.");
                }
                checkLearningRate("CenterLossHead", "center", centerLearningRate);
            }
            return new CenterLossHead(this);
        }
    }
}
