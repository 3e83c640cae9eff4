package io.github.dml4j.attributes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 *   (1/n) sum_i w_i CE(y_i, f(x_i)) + ||W||^2 / (2 C n)
 * </pre>
 * with w_i the class weight of image i ({@link ClassWeighting}) and ||W||&sup2; the
 * squared weights of every layer, biases excluded. A binary attribute has one output and the
 * sigmoid, as scikit-learn's binary case; a categorical one k outputs and the softmax, as its
 * multinomial case. The linear probe is solved by Newton's method in float64 on the engine, from
 * zero, with a backtracking line search (the objective is strictly convex in the weights; about
 * ten steps): it lands on scikit-learn's lbfgs solution (checked against a committed fixture:
 * the same test accuracy to the image, AUC within 0.01). The MLP starts from He-normal weights
 * drawn from the seed and trains by full-batch Adam with a learning rate decayed to zero on a
 * cosine, {@link Builder#optIterations(int) iterations} steps, with the gradients written out (no
 * autograd).
 *
 * <pre>{@code
 * AttributeProbe probe = AttributeProbe.builder().optC(1.0).optClassWeighting(ClassWeighting.BALANCED).build();
 * Probe glasses = probe.fit(embeddings, labels, 2);
 * float[][] p = glasses.predictProba(testEmbeddings); // p[i][1]: probability of glasses
 * }</pre>
 */
public final class AttributeProbe {

    /** Newton steps of the linear probe at most (it converges in about ten). */
    private static final int MAX_NEWTON_STEPS = 100;

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
        if (hiddenUnits == 0) {
            return fitNewton(x, y, numClasses, classWeight);
        }
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

    /**
     * The linear probe by Newton's method in float64 with a backtracking line search: the
     * objective is strictly convex in the weights, so a few steps reach scikit-learn's optimum.
     * The intercepts are not penalized; a ridge of 1e-8 on them keeps the softmax's Hessian
     * invertible (its intercepts are defined up to a common constant).
     */
    private Probe fitNewton(float[][] x, int[] y, int numClasses, float[] classWeight) {
        int n = y.length;
        int d = x[0].length;
        int dims = d + 1;
        int out = numClasses == 2 ? 1 : numClasses;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features = manager.create(x).toType(DataType.FLOAT64, false)
                    .concat(manager.ones(new Shape(n, 1), DataType.FLOAT64), 1);
            NDArray labels = manager.create(y);
            NDArray target = out == 1 ? labels.toType(DataType.FLOAT64, false).reshape(n, 1)
                    : labels.oneHot(numClasses).toType(DataType.FLOAT64, false);
            NDArray weight = manager.create(classWeight).toType(DataType.FLOAT64, false).get(labels).reshape(n, 1).div(n);
            double[] penalty = new double[dims];
            java.util.Arrays.fill(penalty, 1 / (c * n));
            penalty[d] = 1e-8;
            NDArray ridge = manager.create(penalty).reshape(dims, 1);
            NDArray ridgeMatrix = manager.eye(dims, dims, 0, DataType.FLOAT64).mul(ridge);
            NDArray theta = manager.zeros(new Shape(dims, out), DataType.FLOAT64);
            double loss = objective(features, target, weight, ridge, theta);
            for (int iteration = 0; iteration < MAX_NEWTON_STEPS; iteration++) {
                NDArray step;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray logits = features.matMul(theta);
                    NDArray p = out == 1 ? Activation.sigmoid(logits) : logits.softmax(1);
                    NDArray gradient = features.transpose().matMul(p.sub(target).mul(weight)).add(ridge.mul(theta));
                    NDArray hessian;
                    if (out == 1) {
                        NDArray curvature = p.mul(p.neg().add(1)).mul(weight);
                        hessian = features.transpose().matMul(features.mul(curvature)).add(ridgeMatrix);
                    } else {
                        NDList rows = new NDList();
                        for (int a = 0; a < out; a++) {
                            NDList blocks = new NDList();
                            NDArray pa = p.get(":, " + a + ":" + (a + 1));
                            for (int b = 0; b < out; b++) {
                                NDArray pb = p.get(":, " + b + ":" + (b + 1));
                                NDArray curvature = a == b ? pa.mul(pa.neg().add(1)) : pa.mul(pb).neg();
                                NDArray block = features.transpose().matMul(features.mul(curvature.mul(weight)));
                                blocks.add(a == b ? block.add(ridgeMatrix) : block);
                            }
                            rows.add(NDArrays.concat(blocks, 1));
                        }
                        hessian = NDArrays.concat(rows, 0);
                    }
                    // theta and the gradient flattened class by class: column a of theta is block a
                    NDArray flatGradient = gradient.transpose().reshape(-1, 1);
                    step = hessian.inverse().matMul(flatGradient).reshape(out, dims).transpose();
                    NDScope.unregister(step);
                }
                double t = 1;
                NDArray next = null;
                double nextLoss = Double.NaN;
                for (int halving = 0; halving < 30; halving++) {
                    NDArray candidate = theta.sub(step.mul(t));
                    double candidateLoss = objective(features, target, weight, ridge, candidate);
                    if (candidateLoss <= loss + 1e-12) {
                        next = candidate;
                        nextLoss = candidateLoss;
                        break;
                    }
                    candidate.close();
                    t /= 2;
                }
                double change = step.abs().max().getDouble() * t;
                step.close();
                if (next == null) {
                    break;
                }
                theta.close();
                theta = next;
                double previous = loss;
                loss = nextLoss;
                if (change < 1e-7 || previous - loss < 1e-12 * Math.max(1, Math.abs(loss))) {
                    break;
                }
            }
            float[] all = theta.toType(DataType.FLOAT32, false).toFloatArray();
            float[] w = new float[d * out];
            float[] b = new float[out];
            System.arraycopy(all, 0, w, 0, d * out);
            System.arraycopy(all, d * out, b, 0, out);
            return new Probe(numClasses, d, 0, new float[][] {w, b});
        }
    }

    /** The objective: weighted mean cross-entropy plus the penalty, as a double. */
    private static double objective(NDArray features, NDArray target, NDArray weight, NDArray ridge, NDArray theta) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray logits = features.matMul(theta);
            NDArray ce;
            if (target.getShape().get(1) == 1) {
                // log(1 + exp(z)) - y z, stable for either sign of z
                NDArray softplus = logits.abs().neg().exp().add(1).log().add(logits.maximum(0));
                ce = softplus.sub(target.mul(logits));
            } else {
                NDArray max = logits.max(new int[] {1}, true);
                NDArray logSumExp = logits.sub(max).exp().sum(new int[] {1}, true).log().add(max);
                ce = logSumExp.sub(logits.mul(target).sum(new int[] {1}, true));
            }
            return ce.mul(weight).sum().getDouble() + ridge.mul(theta.square()).sum().getDouble() / 2;
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
        return String.format(Locale.ROOT, "AttributeProbe{%s, C %s, %s class weights%s}",
                hiddenUnits == 0 ? "linear (Newton)" : "MLP " + hiddenUnits + " hidden units", c,
                weighting.name().toLowerCase(Locale.ROOT),
                hiddenUnits == 0 ? "" : ", " + iterations + " Adam steps, lr " + learningRate + ", seed " + seed);
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
         * Full-batch Adam steps of the MLP probe (default 1,000; the linear probe is solved by
         * Newton's method).
         *
         * @param iterations positive
         * @return this builder
         */
        public Builder optIterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        /**
         * The MLP probe's initial Adam learning rate, decayed to zero on a cosine (default 0.05).
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
