import io.github.dml4j.data.ClassSplit;
import io.github.dml4j.data.IdxReader;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.datasets.FashionMnist;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Writes the committed Fashion-MNIST sample: 300 train images per class and 100 test images
 * per class, drawn with ClassSplit.stratifiedSample and seed 0, as four gzip IDX files with the
 * standard names. Run through make-fashion-mnist-sample.sh (Java single-file source launch).
 *
 * <p>Arguments: [source directory holding the four published files] [output directory].
 */
public class MakeFashionMnistSample {

    static final int TRAIN_PER_CLASS = 300;
    static final int TEST_PER_CLASS = 100;
    static final long SEED = 0;

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args.length > 0 ? args[0] : FashionMnist.DEFAULT_SYSTEM_DIRECTORY);
        Path out = Path.of(args.length > 1 ? args[1] : "examples/src/main/resources/fashion-mnist-sample");
        for (String name : FashionMnist.FILE_NAMES) {
            String actual = sha256(source.resolve(name));
            if (!actual.equals(FashionMnist.DEFAULT_CHECKSUMS.get(name))) {
                throw new IllegalStateException(source.resolve(name) + " is not the published file: SHA-256 "
                        + actual + ", expected " + FashionMnist.DEFAULT_CHECKSUMS.get(name) + ".");
            }
        }
        FashionMnist fashion = FashionMnist.builder().optDirectory(source).build();
        ImageSource train = ClassSplit.stratifiedSample(fashion.load(FashionMnist.Split.TRAIN), TRAIN_PER_CLASS, SEED);
        ImageSource test = ClassSplit.stratifiedSample(fashion.load(FashionMnist.Split.TEST), TEST_PER_CLASS, SEED);
        Files.createDirectories(out);
        IdxReader.write(out.resolve(FashionMnist.Split.TRAIN.imagesFile()), out.resolve(FashionMnist.Split.TRAIN.labelsFile()),
                train, true);
        IdxReader.write(out.resolve(FashionMnist.Split.TEST.imagesFile()), out.resolve(FashionMnist.Split.TEST.labelsFile()),
                test, true);
        System.out.println("Wrote " + train.size() + " train and " + test.size() + " test images to " + out);
        for (String name : FashionMnist.FILE_NAMES) {
            System.out.println(sha256(out.resolve(name)) + "  " + name);
        }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
