package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.ClassLabels;

/**
 * A head trained on class labels in [0, C): its forward pass returns the (B, D) embeddings and
 * (B, C) per-class scores, and given the labels it first checks that each lies in [0, C). Its
 * name in messages is its simple class name.
 */
abstract class ClassHead extends MetricHead {

    private final int numClasses;

    ClassHead(byte version, EmbeddingNet embeddingNet, int numClasses) {
        super(version, embeddingNet);
        this.numClasses = numClasses;
    }

    /** The number of classes C. */
    public int getNumClasses() {
        return numClasses;
    }

    /**
     * Flattens the labels to int64 and checks, on the engine, that each lies in [0, C).
     *
     * @throws IllegalArgumentException naming the offending label, the class count and the head
     */
    final NDArray checkLabels(NDArray labels) {
        return ClassLabels.checkRange(labels, numClasses, getClass().getSimpleName(),
                "Build the head with setNumClasses(...) covering every training label, or remap the labels.");
    }

    /** The (B, D) embeddings and the (B, C) scores. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        return new Shape[] {new Shape(batch, getEmbeddingNet().getEmbeddingSize()), new Shape(batch, numClasses)};
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + '{' + describe() + '}';
    }

    /** The builder checks every class head makes: an embedding network and at least 2 classes. */
    static void checkSettings(String head, EmbeddingNet embeddingNet, int numClasses) {
        if (embeddingNet == null) {
            throw new IllegalArgumentException(head + " needs an EmbeddingNet: call setEmbeddingNet(...).");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException(head + " needs at least 2 classes: call setNumClasses(...), got "
                    + numClasses + ".");
        }
    }

    /**
     * Checks a parameter's own learning rate.
     *
     * @param head the head, as the message names it
     * @param parameter the parameter, as the message names it (e.g. "proxy")
     */
    static void checkLearningRate(String head, String parameter, float learningRate) {
        if (!(learningRate > 0f) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("The " + parameter + " learning rate of " + head
                    + " must be a positive number, got " + learningRate + ".");
        }
    }
}
