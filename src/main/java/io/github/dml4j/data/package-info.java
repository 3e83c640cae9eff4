/**
 * Labelled image data: where images come from, how they are split, and how DJL sees them.
 *
 * <p>Every source ends in {@link io.github.dml4j.data.LabeledImages}, an immutable in-memory
 * set of 8-bit (N, C, H, W) images with integer labels. From there:
 * <ul>
 *   <li>{@link io.github.dml4j.data.IdxReader} reads and writes IDX files (MNIST,
 *       Fashion-MNIST), plain or gzip, detected from the content;</li>
 *   <li>{@link io.github.dml4j.data.FashionMnist} finds the Fashion-MNIST files in an explicit
 *       directory, else the cache ({@code ~/.dml4j/datasets/fashion-mnist}, root overridable
 *       with the system property {@code dml4j.cache} or the environment variable
 *       {@code DML4J_CACHE}), else {@code /usr/share/datasets/fashion-mnist} (Debian's
 *       {@code dataset-fashion-mnist}), else downloads them with a SHA-256 check, unless
 *       {@code ai.djl.offline=true};</li>
 *   <li>{@link io.github.dml4j.data.ClassSplit} makes train/test splits, in particular
 *       class-disjoint ones (the benchmark's {@code zeroshot}: train classes 0-4, test classes
 *       5-9) and class-balanced samples with a fixed seed;</li>
 *   <li>{@link io.github.dml4j.data.PixelNormalization} turns bytes into network input: scale to
 *       [0, 1], then {@code (x - mean) / std} (Fashion-MNIST: mean 0.2860, std 0.3530);</li>
 *   <li>{@link io.github.dml4j.data.ImageDataset} serves the images to DJL as a
 *       {@code RandomAccessDataset}: one float32 (C, H, W) image and an int64 label per record;</li>
 *   <li>{@link io.github.dml4j.data.PairDataset} serves explicit pairs for Siamese training: record
 *       {@code first * n + second} is the pair of images {@code first} and {@code second} with a
 *       same/different label, drawn by a {@link io.github.dml4j.sampler.BalancedPairSampler};
 *       {@link io.github.dml4j.data.TripletDataset} serves a seeded list of valid (anchor,
 *       positive, negative) triplets.</li>
 * </ul>
 *
 * <p>A dataset knows nothing of losses or models; samplers read the labels from
 * {@link io.github.dml4j.data.LabeledImages#labels()}.
 */
package io.github.dml4j.data;
