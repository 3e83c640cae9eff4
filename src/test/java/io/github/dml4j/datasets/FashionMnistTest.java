package io.github.dml4j.datasets;

import com.sun.net.httpserver.HttpServer;
import io.github.dml4j.data.IdxReader;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.TestImages;
import io.github.dml4j.datasets.FashionMnist.Split;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTest {

    private static final String OFFLINE = "ai.djl.offline";

    @TempDir
    Path tmp;

    private Path cache;
    private Path system;
    private Path explicit;
    private Path served;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private String offlineBefore;

    @BeforeEach
    void setUp() throws IOException {
        cache = tmp.resolve("cache");
        system = Files.createDirectories(tmp.resolve("system"));
        explicit = Files.createDirectories(tmp.resolve("explicit"));
        served = Files.createDirectories(tmp.resolve("served"));
        offlineBefore = System.getProperty(OFFLINE);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stop(0);
        }
        if (offlineBefore == null) {
            System.clearProperty(OFFLINE);
        } else {
            System.setProperty(OFFLINE, offlineBefore);
        }
    }

    /** Writes the four files; train holds 10 x perClass images, test 10 x (perClass / 2 + 1). */
    private static void writeDataset(Path dir, int perClass, long seed, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        String ext = gzip ? ".gz" : "";
        IdxReader.write(dir.resolve("train-images-idx3-ubyte" + ext), dir.resolve("train-labels-idx1-ubyte" + ext),
                TestImages.generate(10, perClass, 28, 28, seed), gzip);
        IdxReader.write(dir.resolve("t10k-images-idx3-ubyte" + ext), dir.resolve("t10k-labels-idx1-ubyte" + ext),
                TestImages.generate(10, perClass / 2 + 1, 28, 28, seed + 1), gzip);
    }

    private FashionMnist.Builder base() {
        return FashionMnist.builder().optCacheDirectory(cache).optSystemDirectory(system);
    }

    @Test
    void explicitDirectoryWinsAndIsTheOnlyPlaceSearched() throws IOException {
        writeDataset(explicit, 3, 1, false); // plain files are accepted too
        writeDataset(cache, 4, 2, true);
        writeDataset(system, 5, 3, true);
        FashionMnist fm = base().optDirectory(explicit).build();
        assertEquals(30, fm.load(Split.TRAIN).size());
        assertEquals(20, fm.load(Split.TEST).size());
        assertEquals(explicit, fm.locate(Split.TRAIN));

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IOException e = assertThrows(IOException.class, () -> base().optDirectory(empty).build().load(Split.TEST));
        assertEquals("The Fashion-MNIST directory " + empty + " set with optDirectory does not hold"
                + " t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (gzip or plain). Put the test files"
                + " there, or drop optDirectory to use the cache, the system directory or a download.", e.getMessage());
    }

    @Test
    void cacheComesBeforeSystemDirectory() throws IOException {
        writeDataset(cache, 4, 2, true);
        writeDataset(system, 5, 3, true);
        FashionMnist fm = base().build();
        assertEquals(40, fm.load(Split.TRAIN).size());
        assertEquals(cache, fm.locate(Split.TEST));
    }

    @Test
    void systemDirectoryWhenCacheLacksTheSplit() throws IOException {
        writeDataset(system, 5, 3, true);
        // the cache holds only one of the two train files: not enough
        Files.createDirectories(cache);
        Files.copy(system.resolve("train-images-idx3-ubyte.gz"), cache.resolve("train-images-idx3-ubyte.gz"));
        FashionMnist fm = base().build();
        LabeledImages train = fm.load(Split.TRAIN);
        assertEquals(50, train.size());
        assertTrue(TestImages.same(TestImages.generate(10, 5, 28, 28, 3), train));
        assertEquals(system, fm.locate(Split.TRAIN));
    }

    @Test
    void offlineRefusesToDownloadAndSaysWhereAndHow() throws IOException {
        serve();
        System.setProperty(OFFLINE, "true");
        FashionMnist fm = base().optBaseUrl(url()).build();
        IOException e = assertThrows(IOException.class, () -> fm.load(Split.TRAIN));
        String m = e.getMessage();
        assertTrue(m.startsWith("Fashion-MNIST files train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz were not"
                + " found in the cache directory " + cache + " or the system directory " + system + ", and"
                + " downloading is refused because the system property ai.djl.offline is true."), m);
        assertTrue(m.contains("`apt-get install dataset-fashion-mnist`"), m);
        assertTrue(m.contains("optDirectory(...)"), m);
        assertEquals(0, requests.get());
        assertTrue(Files.notExists(cache));
    }

    @Test
    void downloadDisabledIsExplained() {
        System.setProperty(OFFLINE, "false");
        IOException e = assertThrows(IOException.class,
                () -> base().optSystemDirectory(null).optDownload(false).build().load(Split.TEST));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST files t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz"
                + " were not found in the cache directory " + cache + ", and downloading is disabled"
                + " (optDownload(false))."), e.getMessage());
    }

    @Test
    void downloadsVerifiesAndCaches() throws Exception {
        writeDataset(served, 3, 7, true);
        serve();
        System.setProperty(OFFLINE, "false");
        FashionMnist fm = base().optBaseUrl(url()).optChecksums(checksumsOf(served)).build();
        LabeledImages train = fm.load(Split.TRAIN);
        assertTrue(TestImages.same(TestImages.generate(10, 3, 28, 28, 7), train));
        assertEquals(4, requests.get());
        assertEquals(List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz"), list(cache));
        for (String name : FashionMnist.FILE_NAMES) {
            assertArrayEquals(Files.readAllBytes(served.resolve(name)), Files.readAllBytes(cache.resolve(name)));
        }
        // the second time everything comes from the cache, even offline
        server.stop(0);
        server = null;
        System.setProperty(OFFLINE, "true");
        assertEquals(20, fm.load(Split.TEST).size());
        assertEquals(4, requests.get());
    }

    @Test
    void checksumMismatchDiscardsTheDownloadAndKeepsTheCache() throws Exception {
        writeDataset(served, 3, 7, true);
        Map<String, String> sums = checksumsOf(served);
        // an earlier good download of the train images
        Files.createDirectories(cache);
        Files.copy(served.resolve("train-images-idx3-ubyte.gz"), cache.resolve("train-images-idx3-ubyte.gz"));
        byte[] cachedBefore = Files.readAllBytes(cache.resolve("train-images-idx3-ubyte.gz"));
        // the server now serves corrupted train labels
        byte[] labels = Files.readAllBytes(served.resolve("train-labels-idx1-ubyte.gz"));
        labels[labels.length / 2] ^= 0x55;
        Files.write(served.resolve("train-labels-idx1-ubyte.gz"), labels);
        String actual = sha256(labels);
        serve();
        System.setProperty(OFFLINE, "false");
        FashionMnist fm = base().optBaseUrl(url()).optChecksums(sums).build();

        IOException e = assertThrows(IOException.class, () -> fm.load(Split.TRAIN));
        assertEquals("Checksum mismatch for train-labels-idx1-ubyte.gz downloaded from " + url()
                + "train-labels-idx1-ubyte.gz: expected SHA-256 " + sums.get("train-labels-idx1-ubyte.gz")
                + " but got " + actual + ". The download was discarded; files already in " + cache
                + " are unchanged.", e.getMessage());
        assertEquals(List.of("train-images-idx3-ubyte.gz"), list(cache));
        assertArrayEquals(cachedBefore, Files.readAllBytes(cache.resolve("train-images-idx3-ubyte.gz")));
        assertEquals(1, requests.get());
    }

    @Test
    void httpErrorIsReportedAndLeavesNothing() throws Exception {
        serve();
        System.setProperty(OFFLINE, "false");
        FashionMnist fm = base().optBaseUrl(url()).build();
        IOException e = assertThrows(IOException.class, () -> fm.load(Split.TEST));
        assertEquals("Downloading " + url() + "train-images-idx3-ubyte.gz failed with HTTP status 404.", e.getMessage());
        assertEquals(List.of(), list(cache));
    }

    @Test
    void builderNamesTheBadSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.builder().optBaseUrl("ftp://example.org/x").build());
        assertEquals("The base URL of Fashion-MNIST (optBaseUrl) must be an http or https URL with a host, got"
                + " ftp://example.org/x.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.builder().optChecksums(Map.of("train.gz", "00")).build());
        assertEquals("The checksums of Fashion-MNIST (optChecksums) name an unknown file 'train.gz'; the files are "
                + FashionMnist.FILE_NAMES + ".", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.builder().optChecksums(Map.of("train-images-idx3-ubyte.gz", "abc")).build());
        assertEquals("The checksum of train-images-idx3-ubyte.gz (optChecksums) must be 64 hex digits of SHA-256,"
                + " got 'abc'.", e.getMessage());
    }

    @Test
    void defaultCacheDirectoryFollowsTheSystemProperty() {
        String before = System.getProperty(FashionMnist.CACHE_PROPERTY);
        try {
            System.setProperty(FashionMnist.CACHE_PROPERTY, tmp.toString());
            assertEquals(tmp.resolve("datasets").resolve("fashion-mnist"), FashionMnist.defaultCacheDirectory());
        } finally {
            if (before == null) {
                System.clearProperty(FashionMnist.CACHE_PROPERTY);
            } else {
                System.setProperty(FashionMnist.CACHE_PROPERTY, before);
            }
        }
    }

    @Test
    void publishedConstants() {
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
        assertEquals("T-shirt/top", FashionMnist.CLASS_NAMES.get(0));
        assertEquals("Ankle boot", FashionMnist.CLASS_NAMES.get(9));
        assertEquals(FashionMnist.FILE_NAMES.stream().sorted().toList(),
                FashionMnist.DEFAULT_CHECKSUMS.keySet().stream().sorted().toList());
    }

    // --- helpers ---

    private void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String name = exchange.getRequestURI().getPath().substring(1);
            Path file = served.resolve(name);
            if (name.contains("/") || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private static Map<String, String> checksumsOf(Path dir) throws Exception {
        Map<String, String> sums = new HashMap<>();
        for (String name : FashionMnist.FILE_NAMES) {
            sums.put(name, sha256(Files.readAllBytes(dir.resolve(name))));
        }
        return sums;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static List<String> list(Path dir) throws IOException {
        if (Files.notExists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
