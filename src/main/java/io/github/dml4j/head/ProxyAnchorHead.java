package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.ProxyAnchorLoss;

import java.util.Map;

/**
 * The head of {@link ProxyAnchorLoss} (Kim et al. 2020): it owns the (C, D) proxies, one per
 * class, and trains them at a learning rate of their own; the paper and pytorch-metric-learning
 * train proxies about 100 times faster than the network.
 *
 * <p>Forward returns the embeddings and the (B, C) cosine similarities between the embeddings and
 * the proxies; the loss is computed from them. The proxies start from Kaiming-normal values
 * (standard deviation sqrt(2 / C)), as pytorch-metric-learning initializes them. Only the
 * embedding network is exported; the proxies are dropped with the head.
 */
public final class ProxyAnchorHead extends MetricHead {

    private static final byte VERSION = 1;

    private final ProxyAnchorLoss proxyLoss;
    private final int numClasses;
    private final float proxyLearningRate;
    private final Parameter proxies;
    private final Loss loss;

    private ProxyAnchorHead(Builder builder) {
        super(VERSION, builder.embeddingNet);
        this.proxyLoss = builder.loss;
        this.numClasses = builder.numClasses;
        this.proxyLearningRate = builder.proxyLearningRate;
        this.proxies = addParameter(Parameter.builder()
                .setName("proxies")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(numClasses, builder.embeddingNet.getEmbeddingSize()))
                .optInitializer(new NormalInitializer((float) Math.sqrt(2.0 / numClasses)))
                .build());
        this.loss = new SimilarityLoss(proxyLoss);
    }

    /** Returns a builder; the embedding network and the number of classes are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The proxy-anchor loss. */
    public ProxyAnchorLoss getProxyAnchorLoss() {
        return proxyLoss;
    }

    /** The number of classes C. */
    public int getNumClasses() {
        return numClasses;
    }

    /** The (C, D) proxies, a parameter of this head. */
    public Parameter getProxies() {
        return proxies;
    }

    /** The learning rate of the proxies. */
    public float getProxyLearningRate() {
        return proxyLearningRate;
    }

    /** Evaluated on (labels, forward output): the proxy-anchor loss of the similarities. */
    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public String describe() {
        return proxyLoss + " on " + numClasses + " classes, proxies at lr " + proxyLearningRate;
    }

    @Override
    public Map<Parameter, Float> getParameterLearningRates() {
        return Map.of(proxies, proxyLearningRate);
    }

    /** Returns the embeddings and the (B, C) cosine similarities to the proxies. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray embeddings = getEmbeddingNet().forward(parameterStore, inputs, training, params).head();
        NDArray p = parameterStore.getValue(proxies, embeddings.getDevice(), training);
        return new NDList(embeddings, ProxyAnchorLoss.similarity(embeddings, p));
    }

    /** Checks that the labels lie in [0, C), then as the forward pass without labels. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
                                     PairList<String, Object> params) {
        if (labels != null && !labels.isEmpty()) {
            CenterLossHead.checkLabelRange(labels.head(), numClasses, "ProxyAnchorHead");
        }
        return forwardInternal(parameterStore, data, true, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        return new Shape[] {new Shape(batch, getEmbeddingNet().getEmbeddingSize()), new Shape(batch, numClasses)};
    }

    @Override
    public String toString() {
        return "ProxyAnchorHead{" + describe() + '}';
    }

    /** The proxy-anchor loss of the forward pass's similarities (the second prediction). */
    private static final class SimilarityLoss extends Loss {
        private final ProxyAnchorLoss loss;

        SimilarityLoss(ProxyAnchorLoss loss) {
            super(loss.getName());
            this.loss = loss;
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            return loss.computeFromSimilarity(predictions.get(1), labels.head());
        }
    }

    /** Builder for {@link ProxyAnchorHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private int numClasses;
        private ProxyAnchorLoss loss = ProxyAnchorLoss.builder().build();
        private float proxyLearningRate = 1e-2f;

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

        /** Sets the loss (default margin 0.1, alpha 32). */
        public Builder optLoss(ProxyAnchorLoss loss) {
            this.loss = loss;
            return this;
        }

        /**
         * Sets the proxies' own learning rate (default 1e-2: 10x the trainer's default 1e-3; the
         * paper uses 100x its network's 1e-4, the same absolute rate).
         */
        public Builder optProxyLearningRate(float learningRate) {
            this.proxyLearningRate = learningRate;
            return this;
        }

        /** Validates and builds the head. */
        public ProxyAnchorHead build() {
            if (embeddingNet == null) {
                throw new IllegalArgumentException("ProxyAnchorHead needs an EmbeddingNet: call setEmbeddingNet(...).");
            }
            if (numClasses < 2) {
                throw new IllegalArgumentException("ProxyAnchorHead needs at least 2 classes: call setNumClasses(...), got "
                        + numClasses + ".");
            }
            if (loss == null) {
                throw new IllegalArgumentException("The loss of ProxyAnchorHead must not be null.");
            }
            if (!(proxyLearningRate > 0f) || !Float.isFinite(proxyLearningRate)) {
                throw new IllegalArgumentException("The proxy learning rate of ProxyAnchorHead must be a positive number, got "
                        + proxyLearningRate + ".");
            }
            return new ProxyAnchorHead(this);
        }
    }
}
