package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.nn.ParameterGroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import io.github.dml4j.nn.GraphScalars;

/**
 * A weighted sum of losses on the same embeddings, as pytorch-metric-learning's
 * {@code MultipleLosses}: {@code L = sum_k w_k L_k}. For example softmax plus center loss (Wen et
 * al. 2016), the benchmark protocol's center-loss recipe:
 *
 * <pre>{@code
 * MultipleLosses softmaxCenter = MultipleLosses.builder()
 *         .addLoss(SoftmaxLoss.builder().setNumClasses(10).build())
 *         .addLoss(CenterLoss.builder().setNumClasses(10).build(), 0.01f)
 *         .build();
 * }</pre>
 *
 * <p>Each part keeps its own parameters and learning-rate multiplier (they are child blocks of
 * this one). Mined tuples go to the parts that {@linkplain EmbeddingLoss#acceptsTuples() accept
 * tuples}; the others see the batch's class labels only.
 */
public final class MultipleLosses extends EmbeddingLoss {

    private static final byte VERSION = 1;

    private final List<EmbeddingLoss> losses;
    private final float[] weights;

    private MultipleLosses(Builder builder) {
        super(VERSION, "MultipleLosses", 1f);
        this.losses = List.copyOf(builder.losses);
        this.weights = new float[losses.size()];
        for (int i = 0; i < losses.size(); i++) {
            weights[i] = builder.weights.get(i);
            addChildBlock(losses.get(i).getName(), losses.get(i));
        }
    }

    /** Returns a builder; at least one loss is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The parts, in order. */
    public List<EmbeddingLoss> getLosses() {
        return losses;
    }

    /** The weight of part {@code index}. */
    public float getWeight(int index) {
        return weights[index];
    }

    /** Accepts tuples when any part does; those parts get them. */
    @Override
    public boolean acceptsTuples() {
        return losses.stream().anyMatch(EmbeddingLoss::acceptsTuples);
    }

    /** Needs class labels when any part does. */
    @Override
    public boolean needsClassLabels() {
        return losses.stream().anyMatch(EmbeddingLoss::needsClassLabels);
    }

    @Override
    protected NDArray computeLoss(ParameterStore parameterStore, NDArray embeddings, NDArray labels, MinedTuples tuples,
                                  boolean training) {
        NDArray total = null;
        for (int i = 0; i < losses.size(); i++) {
            EmbeddingLoss loss = losses.get(i);
            NDArray part = loss.compute(parameterStore, embeddings, labels, loss.acceptsTuples() ? tuples : null, training);
            NDArray weighted = weights[i] == 1f ? part : GraphScalars.mul(part, weights[i]);
            total = total == null ? weighted : total.add(weighted);
        }
        return total;
    }

    /** The groups of every part, each named after its part. */
    @Override
    public List<ParameterGroup> parameterGroups() {
        List<ParameterGroup> groups = new ArrayList<>();
        for (EmbeddingLoss loss : losses) {
            groups.addAll(loss.parameterGroups());
        }
        return Collections.unmodifiableList(groups);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (EmbeddingLoss loss : losses) {
            loss.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MultipleLosses{");
        for (int i = 0; i < losses.size(); i++) {
            sb.append(i == 0 ? "" : " + ").append(weights[i] == 1f ? "" : weights[i] + " * ").append(losses.get(i));
        }
        return sb.append('}').toString();
    }

    /** Builder for {@link MultipleLosses}. */
    public static final class Builder {
        private final List<EmbeddingLoss> losses = new ArrayList<>();
        private final List<Float> weights = new ArrayList<>();

        private Builder() {}

        /** Adds a part with weight 1. */
        public Builder addLoss(EmbeddingLoss loss) {
            return addLoss(loss, 1f);
        }

        /** Adds a part with a weight. */
        public Builder addLoss(EmbeddingLoss loss, float weight) {
            losses.add(loss);
            weights.add(weight);
            return this;
        }

        /** Validates and builds the sum. */
        public MultipleLosses build() {
            if (losses.isEmpty()) {
                throw new IllegalArgumentException("MultipleLosses needs at least one loss: call addLoss(...).");
            }
            for (int i = 0; i < losses.size(); i++) {
                if (losses.get(i) == null) {
                    throw new IllegalArgumentException("Loss " + i + " of MultipleLosses is null.");
                }
                float w = weights.get(i);
                if (!Float.isFinite(w) || w < 0f) {
                    throw new IllegalArgumentException("The weight of " + losses.get(i).getName()
                            + " in MultipleLosses must be a finite number >= 0, got " + w + ".");
                }
            }
            return new MultipleLosses(this);
        }
    }
}
