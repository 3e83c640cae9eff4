package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.ProxyAnchorLoss;

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
public final class ProxyAnchorHead extends ClassParameterHead {

    private static final byte VERSION = 1;

    private final ProxyAnchorLoss proxyLoss;

    private ProxyAnchorHead(Builder builder) {
        super(VERSION, builder.embeddingNet, builder.numClasses, "proxies",
                new Shape(builder.numClasses, builder.embeddingNet.getEmbeddingSize()),
                (float) Math.sqrt(2.0 / builder.numClasses), builder.proxyLearningRate, builder.loss.getName());
        this.proxyLoss = builder.loss;
    }

    /** Returns a builder; the embedding network and the number of classes are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The proxy-anchor loss. */
    public ProxyAnchorLoss getProxyAnchorLoss() {
        return proxyLoss;
    }

    /** The (C, D) proxies, a parameter of this head. */
    public Parameter getProxies() {
        return classParameter();
    }

    /** The learning rate of the proxies. */
    public float getProxyLearningRate() {
        return parameterLearningRate();
    }

    @Override
    public String describe() {
        return proxyLoss + " on " + getNumClasses() + " classes, proxies at lr " + parameterLearningRate();
    }

    /** The (B, C) cosine similarities to the proxies. */
    @Override
    NDArray scores(NDArray embeddings, NDArray proxies) {
        return ProxyAnchorLoss.similarity(embeddings, proxies);
    }

    /** The proxy-anchor loss of the similarities. */
    @Override
    NDArray lossFromScores(NDArray similarity, NDArray labels) {
        return proxyLoss.computeFromSimilarity(similarity, labels);
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
            checkSettings("ProxyAnchorHead", embeddingNet, numClasses);
            if (loss == null) {
                throw new IllegalArgumentException("The loss of ProxyAnchorHead must not be null.");
            }
            checkLearningRate("ProxyAnchorHead", "proxy", proxyLearningRate);
            return new ProxyAnchorHead(this);
        }
    }
}
