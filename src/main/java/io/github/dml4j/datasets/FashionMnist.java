package io.github.dml4j.datasets;

import io.github.dml4j.data.FileDigests;
import io.github.dml4j.data.IdxReader;
import io.github.dml4j.data.LabeledImages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 grayscale 28x28 images of clothing in
 * ten classes, 60,000 for training and 10,000 for testing, as four IDX files.
 *
 * <p>{@link #load(Split)} finds a split's two files in this order:
 * <ol>
 *   <li>the directory given with {@link Builder#optDirectory(Path)}; when it is set, no other
 *       place is searched and nothing is downloaded;</li>
 *   <li>the cache directory ({@link #defaultCacheDirectory()} unless
 *       {@link Builder#optCacheDirectory(Path)} is set);</li>
 *   <li>the system directory {@value #DEFAULT_SYSTEM_DIRECTORY}, where Debian's package
 *       {@code dataset-fashion-mnist} installs the files;</li>
 *   <li>a download of the missing files of all four from {@value #DEFAULT_BASE_URL} into the
 *       cache directory, each checked against its SHA-256, unless downloading is disabled with
 *       {@link Builder#optDownload(boolean) optDownload(false)} or the system property
 *       {@code ai.djl.offline} is {@code true}.</li>
 * </ol>
 * In a directory each file may be gzip-compressed ({@code train-images-idx3-ubyte.gz}, the
 * published form) or plain ({@code train-images-idx3-ubyte}).
 *
 * <p>A download goes to a temporary file in the cache directory, which is moved into place
 * atomically only after its checksum matches; on any failure the temporary file is deleted and
 * files already in the cache are left untouched.
 *
 * <pre>{@code
 * FashionMnist fashion = FashionMnist.builder().build();
 * LabeledImages train = fashion.load(FashionMnist.Split.TRAIN);
 * }</pre>
 *
 * <p>The dataset is MIT licensed, copyright Zalando SE.
 */
public final class FashionMnist {

    private static final Logger logger = LoggerFactory.getLogger(FashionMnist.class);

    /** Where the dataset's authors publish the four files. */
    public static final String DEFAULT_BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /** Where Debian's package {@code dataset-fashion-mnist} installs the four files. */
    public static final String DEFAULT_SYSTEM_DIRECTORY = "/usr/share/datasets/fashion-mnist";

    /** System property that sets the DML4J cache root (takes precedence over {@code DML4J_CACHE}). */
    public static final String CACHE_PROPERTY = "dml4j.cache";

    /** Environment variable that sets the DML4J cache root. */
    public static final String CACHE_ENV = "DML4J_CACHE";

    /** The names of the ten classes, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The four published file names, train images and labels, then test images and labels. */
    public static final List<String> FILE_NAMES = List.of(
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    /** SHA-256 of the four published files, by file name. */
    public static final Map<String, String> DEFAULT_CHECKSUMS = Map.of(
            "train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            "train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            "t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            "t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05");

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    /** The two published splits. */
    public enum Split {
        /** 60,000 training images. */
        TRAIN("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        /** 10,000 test images. */
        TEST("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

        private final String imagesFile;
        private final String labelsFile;

        Split(String imagesFile, String labelsFile) {
            this.imagesFile = imagesFile;
            this.labelsFile = labelsFile;
        }

        /**
         * Published (gzip) name of this split's image file.
         *
         * @return the file name
         */
        public String imagesFile() {
            return imagesFile;
        }

        /**
         * Published (gzip) name of this split's label file.
         *
         * @return the file name
         */
        public String labelsFile() {
            return labelsFile;
        }
    }

    private final Path directory;
    private final Path cacheDirectory;
    private final Path systemDirectory;
    private final URI baseUrl;
    private final boolean download;
    private final Map<String, String> checksums;
    private final Duration timeout;

    private FashionMnist(Builder b, URI baseUrl, Map<String, String> checksums) {
        this.directory = b.directory;
        this.cacheDirectory = b.cacheDirectory != null ? b.cacheDirectory : defaultCacheDirectory();
        this.systemDirectory = b.systemDirectory;
        this.baseUrl = baseUrl;
        this.download = b.download;
        this.checksums = checksums;
        this.timeout = b.timeout;
    }

    /**
     * A builder with the defaults described on {@link FashionMnist}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default cache directory: {@code <root>/datasets/fashion-mnist}, where the root is the
     * system property {@value #CACHE_PROPERTY} if set, else the environment variable
     * {@value #CACHE_ENV} if set, else {@code ~/.dml4j}.
     *
     * @return the default Fashion-MNIST cache directory
     */
    public static Path defaultCacheDirectory() {
        String root = System.getProperty(CACHE_PROPERTY);
        if (root == null || root.isBlank()) {
            root = System.getenv(CACHE_ENV);
        }
        Path base = root == null || root.isBlank()
                ? Paths.get(System.getProperty("user.home"), ".dml4j")
                : Paths.get(root);
        return base.resolve("datasets").resolve("fashion-mnist");
    }

    /**
     * Loads one split, finding or downloading its files as described on {@link FashionMnist}.
     *
     * @param split which split
     * @return the split's images, 1x28x28, labels 0-9 (see {@link #CLASS_NAMES})
     * @throws IOException if the files cannot be found, downloaded or read; the message says
     *     where they were looked for and how to provide them
     */
    public LabeledImages load(Split split) throws IOException {
        Objects.requireNonNull(split, "split");
        Path dir = locate(split);
        Path images = find(dir, split.imagesFile()).orElseThrow();
        Path labels = find(dir, split.labelsFile()).orElseThrow();
        LabeledImages data = IdxReader.read(images, labels);
        logger.info("Loaded Fashion-MNIST {}: {} images from {}", split.name().toLowerCase(Locale.ROOT),
                data.size(), dir);
        return data;
    }

    /**
     * The directory that holds the split's two files, downloading them into the cache if needed
     * and allowed.
     *
     * @param split which split
     * @return a directory holding the split's image and label files
     * @throws IOException if the files are nowhere and cannot be downloaded
     */
    public Path locate(Split split) throws IOException {
        Objects.requireNonNull(split, "split");
        if (directory != null) {
            List<String> missing = missing(directory, split);
            if (!missing.isEmpty()) {
                throw new IOException("The Fashion-MNIST directory " + directory + " set with optDirectory does not hold "
                        + String.join(" and ", missing) + " (gzip or plain). Put the "
                        + split.name().toLowerCase(Locale.ROOT) + " files there, or drop optDirectory to use the cache,"
                        + " the system directory or a download.");
            }
            return directory;
        }
        if (missing(cacheDirectory, split).isEmpty()) {
            return cacheDirectory;
        }
        if (systemDirectory != null && missing(systemDirectory, split).isEmpty()) {
            return systemDirectory;
        }
        String where = "the cache directory " + cacheDirectory
                + (systemDirectory != null ? " or the system directory " + systemDirectory : "");
        String files = split.imagesFile() + " and " + split.labelsFile();
        String howTo = " Install them with `apt-get install dataset-fashion-mnist` (into "
                + DEFAULT_SYSTEM_DIRECTORY + "), copy the four files into " + cacheDirectory
                + ", or point FashionMnist.builder().optDirectory(...) at a directory holding them.";
        if (Boolean.parseBoolean(System.getProperty("ai.djl.offline"))) {
            throw new IOException("Fashion-MNIST files " + files + " were not found in " + where
                    + ", and downloading is refused because the system property ai.djl.offline is true." + howTo);
        }
        if (!download) {
            throw new IOException("Fashion-MNIST files " + files + " were not found in " + where
                    + ", and downloading is disabled (optDownload(false))." + howTo);
        }
        downloadMissing();
        return cacheDirectory;
    }

    private static List<String> missing(Path dir, Split split) {
        List<String> missing = new ArrayList<>(2);
        for (String name : List.of(split.imagesFile(), split.labelsFile())) {
            if (find(dir, name).isEmpty()) {
                missing.add(name);
            }
        }
        return missing;
    }

    /** The gzip file, else the plain file of the same name without ".gz". */
    private static Optional<Path> find(Path dir, String gzName) {
        Path gz = dir.resolve(gzName);
        if (Files.isRegularFile(gz)) {
            return Optional.of(gz);
        }
        Path plain = dir.resolve(gzName.substring(0, gzName.length() - ".gz".length()));
        return Files.isRegularFile(plain) ? Optional.of(plain) : Optional.empty();
    }

    private void downloadMissing() throws IOException {
        Files.createDirectories(cacheDirectory);
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        for (String name : FILE_NAMES) {
            if (find(cacheDirectory, name).isEmpty()) {
                downloadOne(client, name);
            }
        }
    }

    private void downloadOne(HttpClient client, String name) throws IOException {
        URI uri = baseUrl.resolve(name);
        Path target = cacheDirectory.resolve(name);
        Path temp = Files.createTempFile(cacheDirectory, name + ".", ".part");
        try {
            logger.info("Downloading {} to {}", uri, target);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
            HttpResponse<Path> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofFile(temp));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted while downloading " + uri + ".");
            } catch (IOException e) {
                throw new IOException("Downloading " + uri + " failed: " + e.getMessage() + ". Retry, or provide"
                        + " the files with `apt-get install dataset-fashion-mnist` or optDirectory(...).", e);
            }
            if (response.statusCode() != 200) {
                throw new IOException("Downloading " + uri + " failed with HTTP status " + response.statusCode() + ".");
            }
            String expected = checksums.get(name);
            String actual = FileDigests.sha256(temp);
            if (!actual.equalsIgnoreCase(expected)) {
                throw new IOException("Checksum mismatch for " + name + " downloaded from " + uri + ": expected SHA-256 "
                        + expected + " but got " + actual + ". The download was discarded; files already in "
                        + cacheDirectory + " are unchanged.");
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            logger.info("Downloaded {} ({} bytes, SHA-256 verified)", target, Files.size(target));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String toString() {
        return "FashionMnist{directory=" + directory + ", cache=" + cacheDirectory + ", system=" + systemDirectory
                + ", baseUrl=" + baseUrl + ", download=" + download + '}';
    }

    /** Configures where {@link FashionMnist} looks for its files and whether it may download them. */
    public static final class Builder {

        private Path directory;
        private Path cacheDirectory;
        private Path systemDirectory = Paths.get(DEFAULT_SYSTEM_DIRECTORY);
        private String baseUrl = DEFAULT_BASE_URL;
        private boolean download = true;
        private Map<String, String> checksumOverrides = Map.of();
        private Duration timeout = Duration.ofMinutes(5);

        private Builder() {
        }

        /**
         * Uses only this directory: no cache, no system directory, no download. Unset by default.
         *
         * @param directory a directory holding the files (gzip or plain)
         * @return this builder
         */
        public Builder optDirectory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Where downloaded files are kept and looked for. Default: {@link FashionMnist#defaultCacheDirectory()}.
         *
         * @param cacheDirectory the Fashion-MNIST cache directory itself (files go directly in it)
         * @return this builder
         */
        public Builder optCacheDirectory(Path cacheDirectory) {
            this.cacheDirectory = cacheDirectory;
            return this;
        }

        /**
         * The shared read-only directory searched after the cache. Default
         * {@value FashionMnist#DEFAULT_SYSTEM_DIRECTORY}; {@code null} searches no system directory.
         *
         * @param systemDirectory the directory, or {@code null}
         * @return this builder
         */
        public Builder optSystemDirectory(Path systemDirectory) {
            this.systemDirectory = systemDirectory;
            return this;
        }

        /**
         * The http or https URL the four files are downloaded from, ending in the directory
         * (a missing final slash is added). Default {@value FashionMnist#DEFAULT_BASE_URL}.
         *
         * @param baseUrl the base URL
         * @return this builder
         */
        public Builder optBaseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /**
         * Whether missing files may be downloaded. Default {@code true}; the system property
         * {@code ai.djl.offline=true} refuses downloads regardless.
         *
         * @param download whether to download
         * @return this builder
         */
        public Builder optDownload(boolean download) {
            this.download = download;
            return this;
        }

        /**
         * Overrides the expected SHA-256 of downloaded files, by file name (one of
         * {@link FashionMnist#FILE_NAMES}); files not named keep {@link FashionMnist#DEFAULT_CHECKSUMS}. Meant for mirrors
         * and tests that serve other files.
         *
         * @param checksums file name to lowercase or uppercase hex SHA-256
         * @return this builder
         */
        public Builder optChecksums(Map<String, String> checksums) {
            this.checksumOverrides = checksums == null ? null : new LinkedHashMap<>(checksums);
            return this;
        }

        /**
         * Connect and per-file download timeout. Default 5 minutes.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder optTimeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Validates the settings and builds the dataset accessor; nothing is read or downloaded yet.
         *
         * @return the configured {@link FashionMnist}
         * @throws IllegalArgumentException naming the bad setting
         */
        public FashionMnist build() {
            if (baseUrl == null || baseUrl.isBlank()) {
                throw new IllegalArgumentException("The base URL of Fashion-MNIST (optBaseUrl) must not be empty.");
            }
            URI uri;
            try {
                uri = new URI(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("The base URL of Fashion-MNIST (optBaseUrl) is not a valid URL: "
                        + baseUrl + " (" + e.getReason() + ").", e);
            }
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("The base URL of Fashion-MNIST (optBaseUrl) must be an http or https"
                        + " URL with a host, got " + baseUrl + ".");
            }
            if (checksumOverrides == null) {
                throw new IllegalArgumentException("The checksums of Fashion-MNIST (optChecksums) must not be null.");
            }
            Map<String, String> sums = new LinkedHashMap<>(DEFAULT_CHECKSUMS);
            for (Map.Entry<String, String> e : checksumOverrides.entrySet()) {
                if (!FILE_NAMES.contains(e.getKey())) {
                    throw new IllegalArgumentException("The checksums of Fashion-MNIST (optChecksums) name an unknown file '"
                            + e.getKey() + "'; the files are " + FILE_NAMES + ".");
                }
                if (e.getValue() == null || !SHA256.matcher(e.getValue()).matches()) {
                    throw new IllegalArgumentException("The checksum of " + e.getKey() + " (optChecksums) must be 64 hex"
                            + " digits of SHA-256, got '" + e.getValue() + "'.");
                }
                sums.put(e.getKey(), e.getValue().toLowerCase(Locale.ROOT));
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The download timeout of Fashion-MNIST (optTimeout) must be positive,"
                        + " got " + timeout + ".");
            }
            return new FashionMnist(this, uri, Map.copyOf(sums));
        }
    }
}
