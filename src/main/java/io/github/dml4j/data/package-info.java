/**
 * Labelled image data: where images come from, how they are split, and how DJL sees them.
 *
 * <p>Everything that reads labelled images (training batches, the DJL datasets, splits, pair
 * generation, the model card's data fingerprint, embedding) reads an
 * {@link io.github.dml4j.data.ImageSource}: a fixed number of 8-bit (C, H, W) images of one size
 * with integer labels, whose pixels are read batch by batch as a uint8 (B, C, H, W) array and
 * scaled and normalized on the engine. Its {@code subset} and {@code filterLabels} are views that
 * copy no pixels. {@link io.github.dml4j.data.LabeledImages} is the in-memory implementation, what
 * the loaders below fill; ready-made data sets (Fashion-MNIST, generated faces) are in
 * {@link io.github.dml4j.datasets}. From there:
 * <ul>
 *   <li>{@link io.github.dml4j.data.IdxReader} reads and writes IDX files (MNIST,
 *       Fashion-MNIST), plain or gzip, detected from the content;</li>
 *   <li>{@link io.github.dml4j.data.ClassSplit} makes train/test splits, in particular
 *       class-disjoint ones (the benchmark's {@code zeroshot}: train classes 0-4, test classes
 *       5-9) and class-balanced samples with a fixed seed;</li>
 *   <li>{@link io.github.dml4j.data.PixelNormalization} turns bytes into network input: scale to
 *       [0, 1], then {@code (x - mean) / std} (Fashion-MNIST: mean 0.2860, std 0.3530);</li>
 *   <li>{@link io.github.dml4j.data.ImageDataset} serves the images to DJL as a
 *       {@code RandomAccessDataset}: one float32 (C, H, W) image and an int64 label per record,
 *       normalized with {@code PixelNormalization.NONE} (scaling only) unless told otherwise;</li>
 *   <li>{@link io.github.dml4j.data.PairDataset} serves explicit pairs for Siamese training: record
 *       {@code first * n + second} is the pair of images {@code first} and {@code second} with a
 *       same/different label, drawn by a {@link io.github.dml4j.sampler.BalancedPairSampler};
 *       {@link io.github.dml4j.data.TripletDataset} serves a seeded list of valid (anchor,
 *       positive, negative) triplets.</li>
 * </ul>
 *
 * <p>Faces and other identity sets:
 * <ul>
 *   <li>{@link io.github.dml4j.data.IdentityFolder} loads one sub-folder per identity (JPEG, PNG,
 *       PGM) into {@link io.github.dml4j.data.IdentityImages}: pixels and labels (identity index
 *       in sorted folder-name order), identity names, file paths, LFW-style lookups, the skipped
 *       files (one warning each; or fail with {@code OnUnreadable.FAIL}) and the singletons;</li>
 *   <li>{@link io.github.dml4j.data.ImageFiles} decodes one file (ImageIO for JPEG and PNG, with
 *       decoder warnings such as a truncated JPEG treated as errors; our own reader for PGM
 *       {@code P5}/{@code P2}), and {@link io.github.dml4j.data.ImagePreprocessing} brings it to
 *       one size and {@link io.github.dml4j.data.ColorMode} with DJL's {@code Resize}/{@code
 *       CenterCrop} (default: RGB, resize the shorter side, centre crop); a model card records
 *       the same {@code ColorMode};</li>
 *   <li>{@link io.github.dml4j.data.StreamingImages} reads the same folders (or a
 *       {@code path<TAB>label} list) for collections larger than memory: files are decoded on
 *       demand by a pool of decoder threads with the same preprocessing (bit-identical pixels),
 *       batches hinted by {@link io.github.dml4j.data.ImageSource#prefetch} are decoded ahead into
 *       a bounded queue, and an optional decoded cache file (checked against file sizes and
 *       modification times, rebuilt when stale) replaces decoding by positional reads;</li>
 *   <li>{@link io.github.dml4j.data.IdentitySplit} splits identities, not images, into disjoint
 *       train / calibration / test parts with a seed and reports the singletons of each part;</li>
 *   <li>{@link io.github.dml4j.data.PairList} reads and writes LFW's {@code pairs.txt} (10 folds
 *       of 300 matched and 300 mismatched pairs) as image-index pairs, same flags and fold ids
 *       for k-fold verification, and {@link io.github.dml4j.data.PairGenerator} draws such a
 *       list, identity-disjoint by fold, for sets that come without one;</li>
 *   <li>{@link io.github.dml4j.data.ImageAugmentation} augments a whole float batch on the engine
 *       (random crop or resized crop, flip, rotation, brightness, contrast; per-image random
 *       parameters, seeded), because DJL's random transforms are broken on PyTorch or work on
 *       one image at a time; {@code train.ClassBatches} applies it before normalization;</li>
 *   <li>{@link io.github.dml4j.data.AttributeTable} reads attribute labels (CelebA's
 *       {@code list_attr_celeba.txt}, LFW-attributes' {@code lfw_attributes.txt}, a plain CSV) and
 *       {@link io.github.dml4j.data.AttributeLabels} matches them to loaded images, naming the rows
 *       without image and the images without row.</li>
 * </ul>
 *
 * <p>A dataset knows nothing of losses or models; samplers read the labels from
 * {@link io.github.dml4j.data.ImageSource#labels()}.
 */
package io.github.dml4j.data;
