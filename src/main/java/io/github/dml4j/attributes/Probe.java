package io.github.dml4j.attributes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Objects;

/**
 * A fitted attribute classifier on embeddings, as {@link AttributeProbe#fit} returns it: a linear
 * layer (or a one-hidden-layer ReLU MLP) with one sigmoid output for a binary attribute or a
 * softmax over k outputs for a categorical one. Its weights are plain arrays, so it holds no
 * native memory and can be used from any thread; predictions run on the engine. Immutable.
 */
public final class Probe {

    private final int numClasses;
    private final int inputSize;
    private final int hiddenUnits;
    private final float[][] weights;

    /**
     * A probe from its weights (copied): {@code {W (in x out), b (out)}} for a linear probe,
     * {@code {W1 (in x hidden), b1, W2 (hidden x out), b2}} for an MLP, row-major, with
     * {@code out} 1 for two classes and {@code numClasses} otherwise.
     *
     * @param numClasses number of classes, at least 2
     * @param inputSize the embedding's length
     * @param hiddenUnits hidden units, 0 for a linear probe
     * @param weights the parameters
     * @throws IllegalArgumentException if the weights do not have the sizes these give
     */
    public Probe(int numClasses, int inputSize, int hiddenUnits, float[][] weights) {
        Objects.requireNonNull(weights, "weights");
        if (numClasses < 2 || inputSize <= 0 || hiddenUnits < 0) {
            throw new IllegalArgumentException("A probe needs 2 or more classes, a positive input size and 0 or more"
                    + " hidden units, got " + numClasses + ", " + inputSize + ", " + hiddenUnits + ".");
        }
        int out = numClasses == 2 ? 1 : numClasses;
        int[] sizes = hiddenUnits == 0 ? new int[] {inputSize * out, out}
                : new int[] {inputSize * hiddenUnits, hiddenUnits, hiddenUnits * out, out};
        if (weights.length != sizes.length) {
            throw new IllegalArgumentException("A " + (hiddenUnits == 0 ? "linear probe" : "MLP probe") + " has "
                    + sizes.length + " weight arrays, got " + weights.length + ".");
        }
        this.weights = new float[sizes.length][];
        for (int p = 0; p < sizes.length; p++) {
            if (weights[p].length != sizes[p]) {
                throw new IllegalArgumentException("Weight array " + p + " must hold " + sizes[p] + " values, got "
                        + weights[p].length + ".");
            }
            this.weights[p] = weights[p].clone();
        }
        this.numClasses = numClasses;
        this.inputSize = inputSize;
        this.hiddenUnits = hiddenUnits;
    }

    /**
     * Class probabilities on the engine.
     *
     * @param embeddings (N, inputSize)
     * @return (N, numClasses) probabilities in the embeddings' manager, rows summing to 1
     * @throws IllegalArgumentException if the embeddings' shape does not fit
     */
    public NDArray predictProba(NDArray embeddings) {
        Shape shape = embeddings.getShape();
        if (shape.dimension() != 2 || shape.get(1) != inputSize) {
            throw new IllegalArgumentException("The probe takes (N, " + inputSize + ") embeddings, got " + shape + ".");
        }
        NDManager manager = embeddings.getManager();
        try (NDScope scope = new NDScope()) {
            int out = numClasses == 2 ? 1 : numClasses;
            NDArray x = embeddings;
            int in = inputSize;
            int p = 0;
            if (hiddenUnits > 0) {
                x = Activation.relu(x.matMul(manager.create(weights[0], new Shape(in, hiddenUnits)))
                        .add(manager.create(weights[1])));
                in = hiddenUnits;
                p = 2;
            }
            NDArray logits = x.matMul(manager.create(weights[p], new Shape(in, out))).add(manager.create(weights[p + 1]));
            NDArray prob;
            if (out == 1) {
                NDArray positive = Activation.sigmoid(logits);
                prob = positive.neg().add(1).concat(positive, 1);
            } else {
                prob = logits.softmax(1);
            }
            NDScope.unregister(prob);
            return prob;
        }
    }

    /**
     * Class probabilities of embeddings given as rows.
     *
     * @param embeddings one row per embedding
     * @return {@code p[i][k]}: probability of class k for embedding i
     */
    public float[][] predictProba(float[][] embeddings) {
        if (embeddings.length == 0) {
            return new float[0][];
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] flat = predictProba(manager.create(embeddings)).toFloatArray();
            float[][] out = new float[embeddings.length][numClasses];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * numClasses, out[i], 0, numClasses);
            }
            return out;
        }
    }

    /** Number of classes. */
    public int numClasses() {
        return numClasses;
    }

    /** The embedding length it takes. */
    public int inputSize() {
        return inputSize;
    }

    /** Hidden units, 0 for a linear probe. */
    public int hiddenUnits() {
        return hiddenUnits;
    }

    /** The parameters (copies), in the order the constructor takes them. */
    public float[][] weights() {
        float[][] copy = new float[weights.length][];
        for (int p = 0; p < weights.length; p++) {
            copy[p] = weights[p].clone();
        }
        return copy;
    }

    @Override
    public String toString() {
        return "Probe{" + numClasses + " classes, input " + inputSize
                + (hiddenUnits == 0 ? ", linear" : ", " + hiddenUnits + " hidden units") + "}";
    }
}
