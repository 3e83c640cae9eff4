package io.github.dml4j.attributes;

import io.github.dml4j.eval.RocCurve;

/**
 * Classification metrics of one attribute, with scikit-learn's definitions: accuracy, balanced
 * accuracy (the mean recall over the classes present in the truth, {@code balanced_accuracy_score}),
 * macro-F1 (the mean F1 over the classes present in the truth or the predictions, 0 where
 * precision and recall are both 0, {@code f1_score(average='macro')}) and ROC AUC of a binary
 * attribute's positive-class probability ({@code roc_auc_score}).
 */
public final class AttributeMetrics {

    private AttributeMetrics() {}

    /**
     * The fraction of predictions equal to the truth.
     *
     * @param truth the true classes
     * @param predicted the predicted classes
     * @return accuracy in 0..1, NaN for no rows
     */
    public static double accuracy(int[] truth, int[] predicted) {
        check(truth, predicted);
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            right += truth[i] == predicted[i] ? 1 : 0;
        }
        return truth.length == 0 ? Double.NaN : (double) right / truth.length;
    }

    /**
     * The mean over the classes present in the truth of each class's recall.
     *
     * @param truth the true classes, 0..numClasses-1
     * @param predicted the predicted classes
     * @param numClasses number of classes
     * @return balanced accuracy in 0..1, NaN for no rows
     */
    public static double balancedAccuracy(int[] truth, int[] predicted, int numClasses) {
        long[][] confusion = confusion(truth, predicted, numClasses);
        double sum = 0;
        int classes = 0;
        for (int k = 0; k < numClasses; k++) {
            long support = 0;
            for (int j = 0; j < numClasses; j++) {
                support += confusion[k][j];
            }
            if (support > 0) {
                sum += (double) confusion[k][k] / support;
                classes++;
            }
        }
        return classes == 0 ? Double.NaN : sum / classes;
    }

    /**
     * The mean F1 over the classes present in the truth or the predictions.
     *
     * @param truth the true classes, 0..numClasses-1
     * @param predicted the predicted classes
     * @param numClasses number of classes
     * @return macro-F1 in 0..1, NaN for no rows
     */
    public static double macroF1(int[] truth, int[] predicted, int numClasses) {
        long[][] confusion = confusion(truth, predicted, numClasses);
        double sum = 0;
        int classes = 0;
        for (int k = 0; k < numClasses; k++) {
            long tp = confusion[k][k];
            long actual = 0;
            long called = 0;
            for (int j = 0; j < numClasses; j++) {
                actual += confusion[k][j];
                called += confusion[j][k];
            }
            if (actual + called > 0) {
                sum += 2.0 * tp / (actual + called);
                classes++;
            }
        }
        return classes == 0 ? Double.NaN : sum / classes;
    }

    /**
     * Area under the ROC curve of the positive class's score.
     *
     * @param positive whether each row is of the positive class
     * @param scores the positive class's probability (or any score, higher meaning positive)
     * @return AUC in 0..1, NaN when one class is absent
     */
    public static double rocAuc(boolean[] positive, double[] scores) {
        boolean any = false;
        boolean all = true;
        for (boolean p : positive) {
            any |= p;
            all &= p;
        }
        if (!any || all) {
            return Double.NaN;
        }
        return RocCurve.of(scores, positive).auc();
    }

    private static long[][] confusion(int[] truth, int[] predicted, int numClasses) {
        check(truth, predicted);
        long[][] confusion = new long[numClasses][numClasses];
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] < 0 || truth[i] >= numClasses || predicted[i] < 0 || predicted[i] >= numClasses) {
                throw new IllegalArgumentException("Row " + i + " has true class " + truth[i] + " and predicted class "
                        + predicted[i] + "; classes are 0.." + (numClasses - 1) + ".");
            }
            confusion[truth[i]][predicted[i]]++;
        }
        return confusion;
    }

    private static void check(int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("Got " + truth.length + " true classes for " + predicted.length
                    + " predictions.");
        }
    }
}
