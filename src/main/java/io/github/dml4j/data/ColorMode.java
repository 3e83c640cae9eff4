package io.github.dml4j.data;

import ai.djl.modality.cv.Image;
import com.google.gson.annotations.SerializedName;

/**
 * The colour of image pixels: one grey channel or three R, G, B channels. {@link
 * ImagePreprocessing} makes pixels of one mode, and a model card records the mode its network
 * takes (as {@code "grayscale"} or {@code "rgb"}), so that new images are prepared as the
 * training images were.
 */
public enum ColorMode {

    /**
     * One channel; colour images are converted with DJL's luma weighting ({@code 0.299 R + 0.587 G
     * + 0.114 B}).
     */
    @SerializedName("grayscale")
    GRAYSCALE(1, Image.Flag.GRAYSCALE),

    /** Three channels R, G, B; grayscale images are repeated into all three. */
    @SerializedName("rgb")
    RGB(3, Image.Flag.COLOR);

    private final int channels;
    private final Image.Flag flag;

    ColorMode(int channels, Image.Flag flag) {
        this.channels = channels;
        this.flag = flag;
    }

    /** Channels per pixel: 1 for grayscale, 3 for RGB. */
    public int channels() {
        return channels;
    }

    /** The DJL flag that decodes an image into this mode. */
    public Image.Flag imageFlag() {
        return flag;
    }

    /** The mode of images with {@code channels} channels, or null if neither grey nor RGB. */
    public static ColorMode ofChannels(int channels) {
        return channels == 1 ? GRAYSCALE : channels == 3 ? RGB : null;
    }
}
