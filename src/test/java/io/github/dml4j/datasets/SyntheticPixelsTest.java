package io.github.dml4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The pixels generated for a seed are pinned by their SHA-256 digest (taken before the generator
 * learned to report attributes), so that recorded figures and other tests keep their images.
 */
class SyntheticPixelsTest {

    static String digest(int channels, long seed) throws Exception {
        var images = SyntheticIdentities.builder().setIdentities(6).optImagesPerIdentity(5).optImageSize(32)
                .optChannels(channels).optSeed(seed).build().generate().images();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < images.size(); i++) {
            sha.update(images.imageBytes(i));
            sha.update((byte) images.label(i));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void pixelsAreThoseOfEarlierVersions() throws Exception {
        assertEquals("d60b9e3287791f58ddd5edfc8e6690bc4926bb039fd5c16c17503bc50c0a4824", digest(1, 0));
        assertEquals("0ffa3614c6a5a0aaf696194d28f19b3152451858d50762f1f0cf8040300ccd00", digest(3, 7));
    }
}
