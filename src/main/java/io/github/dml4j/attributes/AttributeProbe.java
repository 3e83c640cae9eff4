package io.github.dml4j.attributes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Trains one attribute's classifier on frozen embeddings: logistic regression for a binary
 * attribute, softmax (multinomial logistic) regression for a categorical one, or with
 * {@link Builder#optHiddenUnits(int)} a one-hidden-layer MLP (ReLU) in front of either.
 *
 * <p>The objective is scikit-learn's {@code LogisticRegression} (L2 penalty, intercept not
 * penalized), divided by C times the number of images:
 * <pre>
 *   (1/n) &sum;<sub>i</sub> w<sub>i</sub> CE(y<sub>i</sub>, f(x<sub>i</sub>)) + ||W||&sup2; / (2 C n)
 * </pre>
 * with w<sub>i</sub> the class weight of image i ({@link ClassWeighting}) and ||W||&sup2; the
 * squared weights of every layer, biases excluded. A binary attribute has one output and the
 * sigmoid, as scikit-learn's binary case; a categorical one k outputs and the softmax, as its
 * multinomial case. The linear probe starts from zero, the MLP from He-normal weights drawn from
 * the seed. Training is full-batch Adam on the engine with a learning rate decayed to zero on a
 * cosine, {@link Builder#optIterations(int) iterations} steps; the gradients are written out
 * (no autograd), so a fit is a few hundred small matrix products. With the defaults (C 1, 1,000
 * steps) it lands on scikit-learn's lbfgs solution within 0.01 accuracy and AUC (checked by a
 * committed fixture).
 *
 * <pre>{@code
 * AttributeProbe probe = AttributeProbe.builder().optC(1.0).optClassWeighting(ClassWeighting.BALANCED).build();
 * Probe glasses = probe.fit(embeddings, labels, 2);
 * float[][] p = glasses.predictProba(testEmbeddings); // p[i][1]: probability of glasses
 * }</pre>
 */
public final class AttributeProbe {

    private final double c;
    private final int hiddenUnits;
    private final ClassWeighting weighting;
    private final int iterations;
    private final double learningRate;
    private final long seed;

    private AttributeProbe(Builder b) {
        c = b.c;
        hiddenUnits = b.hiddenUnits;
        weighting = b.weighting;
        iterations = b.iterations;
        learningRate = b.learningRate;
        seed = b.seed;
    }

    /** A builder; every setting has a default (scikit-learn's C 1, balanced class weights, linear). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fits a probe.
     *
     * @param x the embeddings, one row each, all of one length
     * @param y each row's class, {@code 0..numClasses-1} (rows with a missing label must be left out)
     * @param numClasses 2 for a binary attribute (one sigmoid output), more for a categorical one
     * @return the fitted probe
     * @throws IllegalArgumentException if the rows and labels disagree, a label is outside
     *     {@code 0..numClasses-1}, or there are no rows
     */
    public Probe fit(float[][] x, int[] y, int numClasses) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (numClasses < 2) {
            throw new IllegalArgumentException("A probe needs at least two classes, got " + numClasses + ".");
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException("Got " + x.length + " embeddings for " + y.length + " labels.");
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("A probe needs at least one labelled embedding.");
        }
        int d = x[0].length;
        int[] counts = new int[numClasses];
        for (int i = 0; i < y.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("Embedding " + i + " has " + x[i].length + " values, embedding 0 has "
                        + d + ".");
            }
            if (y[i] < 0 || y[i] >= numClasses) {
                throw new IllegalArgumentException("Label " + i + " is " + y[i] + ", outside 0.." + (numClasses - 1)
                        + ".");
            }
            counts[y[i]]++;
        }
        int present = 0;
        for (int count : counts) {
            present += count > 0 ? 1 : 0;
        }
        float[] classWeight = new float[numClasses];
        for (int k = 0; k < numClasses; k++) {
            // scikit-learn's balanced weights count the classes present: n / (k_present n_c)
            classWeight[k] = weighting == ClassWeighting.NONE || counts[k] == 0 ? 1f
                    : (float) ((double) y.length / (present * (double) counts[k]));
        }
        int outputs = numClasses == 2 ? 1 : numClasses;
        int n = y.length;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features = manager.create(x);
            NDArray labels = manager.create(y);
            NDArray target = outputs == 1 ? labels.toType(DataType.FLOAT32, false).reshape(n, 1)
                    : labels.oneHot(numClasses);
            NDArray sampleWeight = manager.create(classWeight).get(labels).reshape(n, 1).div(n);
            SplittableRandom random = new SplittableRandom(seed);
            NDArray[] params = hiddenUnits == 0
                    ? new NDArray[] {manager.zeros(new Shape(d, outputs)), manager.zeros(new Shape(outputs))}
                    : new NDArray[] {heNormal(manager, random, d, hiddenUnits), manager.zeros(new Shape(hiddenUnits)),
                            heNormal(manager, random, hiddenUnits, outputs), manager.zeros(new Shape(outputs))};
            NDArray[] m = new NDArray[params.length];
            NDArray[] v = new NDArray[params.length];
            for (int p = 0; p < params.length; p++) {
                m[p] = params[p].zerosLike();
                v[p] = params[p].zerosLike();
            }
            float l2 = (float) (1 / (c * n));
            double beta1 = 0.9;
            double beta2 = 0.999;
            for (int t = 1; t <= iterations; t++) {
                // every array made in a step is closed at its end; the parameters and moments change in place
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray[] grads = gradients(features, target, sampleWeight, params, l2);
                    double lr = learningRate * 0.5 * (1 + Math.cos(Math.PI * (t - 1) / iterations));
                    double correction1 = 1 - Math.pow(beta1, t);
                    double correction2 = 1 - Math.pow(beta2, t);
                    for (int p = 0; p < params.length; p++) {
                        NDArray g = grads[p];
                        m[p].muli(beta1).addi(g.mul(1 - beta1));
                        v[p].muli(beta2).addi(g.square().muli(1 - beta2));
                        NDArray update = m[p].div(correction1)
                                .div(v[p].div(correction2).sqrt().addi(1e-8)).muli(lr);
                        params[p].subi(update);
                    }
                }
            }
            float[][] weights = new float[params.length][];
            for (int p = 0; p < params.length; p++) {
                weights[p] = params[p].toFloatArray();
            }
            return new Probe(numClasses, d, hiddenUnits, weights);
        }
    }

    /** The gradients of the objective with respect to each parameter, in {@code step}. */
    private static NDArray[] gradients(NDArray x, NDArray target, NDArray sampleWeight, NDArray[] params, float l2) {
        boolean mlp = params.length == 4;
        NDArray hidden = null;
        NDArray input = x;
        if (mlp) {
            NDArray pre = x.matMul(params[0]).add(params[1]);
            hidden = Activation.relu(pre);
            input = hidden;
        }
        NDArray w = params[mlp ? 2 : 0];
        NDArray logits = input.matMul(w).add(params[mlp ? 3 : 1]);
        NDArray prob = target.getShape().get(1) == 1 ? Activation.sigmoid(logits) : logits.softmax(1);
        NDArray dLogits = prob.sub(target).muli(sampleWeight);
        NDArray gW = input.transpose().matMul(dLogits).addi(w.mul(l2));
        NDArray gB = dLogits.sum(new int[] {0});
        if (!mlp) {
            return new NDArray[] {gW, gB};
        }
        NDArray dHidden = dLogits.matMul(w.transpose()).muli(hidden.gt(0));
        NDArray gW1 = x.transpose().matMul(dHidden).addi(params[0].mul(l2));
        NDArray gB1 = dHidden.sum(new int[] {0});
        return new NDArray[] {gW1, gB1, gW, gB};
    }

    private static NDArray heNormal(NDManager manager, SplittableRandom random, int in, int out) {
        float[] w = new float[in * out];
        double std = Math.sqrt(2.0 / in);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (std * gaussian(random));
        }
        return manager.create(w, new Shape(in, out));
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** Inverse regularization strength, as scikit-learn's {@code C}. */
    public double getC() {
        return c;
    }

    /** Hidden units of the MLP, 0 for a linear probe. */
    public int getHiddenUnits() {
        return hiddenUnits;
    }

    /** The class weighting. */
    public ClassWeighting getClassWeighting() {
        return weighting;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "AttributeProbe{%s, C %s, %s class weights, %d Adam steps, lr %s, seed %d}",
                hiddenUnits == 0 ? "linear" : "MLP " + hiddenUnits + " hidden units", c,
                weighting.name().toLowerCase(Locale.ROOT), iterations, learningRate, seed);
    }

    /** Configures an {@link AttributeProbe}; every setting is optional. */
    public static final class Builder {

        private double c = 1.0;
        private int hiddenUnits;
        private ClassWeighting weighting = ClassWeighting.BALANCED;
        private int iterations = 1000;
        private double learningRate = 0.05;
        private long seed;

        private Builder() {}

        /**
         * Inverse L2 regularization strength, scikit-learn's {@code C} (default 1.0): smaller is
         * stronger.
         *
         * @param c positive
         * @return this builder
         */
        public Builder optC(double c) {
            this.c = c;
            return this;
        }

        /**
         * Hidden ReLU units of a one-hidden-layer MLP (default 0: a linear probe).
         *
         * @param units 0 or more
         * @return this builder
         */
        public Builder optHiddenUnits(int units) {
            this.hiddenUnits = units;
            return this;
        }

        /**
         * How images are weighted by class (default {@link ClassWeighting#BALANCED}).
         *
         * @param weighting the weighting
         * @return this builder
         */
        public Builder optClassWeighting(ClassWeighting weighting) {
            this.weighting = weighting;
            return this;
        }

        /**
         * Full-batch Adam steps (default 1,000).
         *
         * @param iterations positive
         * @return this builder
         */
        public Builder optIterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        /**
         * Adam's initial learning rate, decayed to zero on a cosine (default 0.05).
         *
         * @param learningRate positive
         * @return this builder
         */
        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /**
         * Seed of the MLP's initial weights (default 0; a linear probe starts from zero).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @return the probe trainer
         * @throws IllegalArgumentException naming the first bad setting
         */
        public AttributeProbe build() {
            if (!(c > 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("The inverse regularization strength (optC) must be positive and"
                        + " finite, got " + c + ".");
            }
            if (hiddenUnits < 0) {
                throw new IllegalArgumentException("The hidden units (optHiddenUnits) must be 0 (linear) or more, got "
                        + hiddenUnits + ".");
            }
            Objects.requireNonNull(weighting, "The class weighting (optClassWeighting) must not be null.");
            if (iterations <= 0) {
                throw new IllegalArgumentException("The iterations (optIterations) must be positive, got " + iterations
                        + ".");
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("The learning rate (optLearningRate) must be positive, got "
                        + learningRate + ".");
            }
            return new AttributeProbe(this);
        }
    }
}
