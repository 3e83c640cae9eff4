/**
 * Ready-made data sets for demos, tests and benchmarks, loaded or generated into the in-memory
 * {@link io.github.dml4j.data.LabeledImages}; the core {@link io.github.dml4j.data} package
 * reads them like any other {@link io.github.dml4j.data.ImageSource}.
 * <ul>
 *   <li>{@link io.github.dml4j.datasets.FashionMnist} finds, downloads and caches Fashion-MNIST
 *       (70,000 grayscale 28x28 images, ten classes, 60,000 train and 10,000 test) and reads it
 *       with {@link io.github.dml4j.data.IdxReader}. By default it looks in the cache
 *       ({@code ~/.dml4j/datasets/fashion-mnist}, root overridable with the system property
 *       {@code dml4j.cache} or the environment variable {@code DML4J_CACHE}), then in
 *       {@code /usr/share/datasets/fashion-mnist} (Debian's {@code dataset-fashion-mnist}), then
 *       downloads the missing files from the authors' site with a SHA-256 check and a 5-minute
 *       timeout, unless {@code ai.djl.offline=true}; an explicit directory replaces all of
 *       that.</li>
 *   <li>{@link io.github.dml4j.datasets.SyntheticIdentities} generates made-up identities so that
 *       the face-recognition workflow runs with no data set: cartoon faces whose structure is
 *       fixed per identity, rendered under random pose, expression, lighting, blur, noise and
 *       occlusion. Defaults: 20 gray 64x64 images per identity, seed 0; deterministic for a seed
 *       whatever the number of threads. It also writes them as an LFW-style folder tree
 *       ({@code id_0007/id_0007_0001.png}, PNG, JPEG or PGM) for
 *       {@link io.github.dml4j.data.IdentityFolder}.</li>
 * </ul>
 */
package io.github.dml4j.datasets;
