package io.github.dml4j.datasets;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.GeneralPath;
import java.awt.geom.Path2D;
import java.awt.geom.QuadCurve2D;
import java.awt.geom.Rectangle2D;
import java.util.random.RandomGenerator;

/**
 * The drawing of one synthetic identity for {@link SyntheticIdentities}: a cartoon face whose
 * structure (head and jaw shape, hair style and hairline, ears, the position, size and shape
 * of eyes, brows, nose and mouth, glasses, beard, moles, lines) is drawn once per identity, and
 * which {@link #draw} renders under one image's expression and head turn.
 *
 * <p>Coordinates are "face units": the face is centred at (0, 0), y points down, and the head
 * spans about -1..1 vertically. The caller sets the pose transform on the {@link Graphics2D}.
 */
final class FacePrototype {

    private static final int HAIR_BALD = 0;
    private static final int HAIR_SHORT = 1;
    private static final int HAIR_FRINGE = 2;
    private static final int HAIR_SIDE_PART = 3;
    private static final int HAIR_LONG = 4;
    private static final int HAIR_VOLUME = 5;

    /** Hair colours: black, brown, red (dark tones), blond, gray (light tones), scaled by the tone. */
    private static final Color[] HAIR_PALETTE = {new Color(25, 18, 12), new Color(90, 55, 25), new Color(160, 80, 35),
            new Color(215, 180, 110), new Color(175, 175, 175)};

    /** The names of the hair colours, by shade index (RGB images). */
    static final java.util.List<String> HAIR_COLOURS = java.util.List.of("black", "brown", "red", "blond", "gray");

    // head
    private final double headWidth;
    private final double headHeight;
    private final boolean distinct; // attributes drawn to show, see SyntheticIdentities.Builder#optDistinctAttributes
    private final double jaw;
    private final double cheek;
    private final Color skin;
    // hair
    private final int hairStyle;
    private final double hairline;
    private final double partSide;
    private final int hairShade;
    private final Color hair;
    // ears
    private final double earY;
    private final double earWidth;
    private final double earHeight;
    // eyes
    private final double eyeY;
    private final double eyeSpacing;
    private final double eyeWidth;
    private final double eyeOpen;
    private final double irisSize;
    private final double eyeTilt;
    private final Color iris;
    // brows
    private final double browGap;
    private final double browLength;
    private final double browThickness;
    private final double browAngle;
    private final double browArch;
    // nose
    private final int noseStyle;
    private final double noseLength;
    private final double noseWidth;
    // mouth
    private final double mouthY;
    private final double mouthWidth;
    private final double mouthCurve;
    private final double lipThickness;
    private final Color lips;
    // extras
    private final int glasses;
    private final double glassesSize;
    private final boolean moustache;
    private final boolean beard;
    private final double beardLength;
    private final double[][] moles;
    private final int foreheadLines;
    private final double[] scar;

    private FacePrototype(RandomGenerator r, boolean color, boolean distinct) {
        this.distinct = distinct;
        headWidth = between(r, 0.58, 0.86);
        headHeight = between(r, 0.86, 1.0);
        double u = r.nextDouble();
        jaw = distinct ? jawWidth(u) : 0.45 + (1.05 - 0.45) * u; // as between(r, 0.45, 1.05) drew it
        cheek = between(r, 0.85, 1.15);
        double skinTone = between(r, 0.45, 0.85);
        double skinHue = color ? between(r, 0, 0.25) : 0;

        hairStyle = r.nextInt(6);
        hairline = between(r, -0.78, -0.42);
        partSide = r.nextBoolean() ? 1 : -1;
        double hairTone = r.nextDouble() < 0.7 ? between(r, 0.05, 0.35) : between(r, 0.55, 0.95);
        if (distinct) {
            // hair that stands out from the skin, or a beard, a bald crown or a moustache would
            // hardly show in gray: dark hair 0.05-0.2 beside skin from 0.45, light hair 0.8-0.95
            // beside skin 0.45-0.6 (the same numbers drawn, mapped into these ranges)
            boolean light = hairTone >= 0.5;
            hairTone = light ? 0.8 + (hairTone - 0.55) * 0.15 / 0.4 : 0.05 + (hairTone - 0.05) * 0.15 / 0.3;
            skinTone = light ? 0.45 + (skinTone - 0.45) * 0.15 / 0.4 : skinTone;
        }
        skin = color ? skinColor(skinTone, skinHue) : gray(skinTone);
        // gray images draw no shade: dark hair is shade 0 (black), light hair 3 (blond)
        hairShade = color ? (hairTone < 0.5 ? r.nextInt(3) : 3 + r.nextInt(2)) : (hairTone < 0.5 ? 0 : 3);
        hair = color ? scale(HAIR_PALETTE[hairShade], 0.7 + hairTone * 0.6) : gray(hairTone);

        earY = between(r, -0.12, 0.12);
        earWidth = between(r, 0.09, 0.18);
        earHeight = between(r, 0.16, 0.3);

        eyeY = between(r, -0.25, 0.02);
        eyeSpacing = between(r, 0.38, 0.62);
        eyeWidth = between(r, 0.08, 0.16);
        eyeOpen = between(r, 0.35, 0.75);
        irisSize = between(r, 0.45, 0.8);
        eyeTilt = between(r, -0.25, 0.25);
        double irisTone = between(r, 0.05, 0.45);
        iris = color ? scale(mix(new Color(90, 60, 30), new Color(80, 140, 170), r.nextDouble()), 0.5 + irisTone)
                : gray(irisTone);

        browGap = between(r, 0.1, 0.24);
        browLength = between(r, 0.13, 0.3);
        browThickness = between(r, 0.025, 0.08);
        browAngle = between(r, -0.35, 0.35);
        browArch = between(r, -0.03, 0.06);

        noseStyle = r.nextInt(4);
        noseLength = between(r, 0.16, 0.38);
        noseWidth = between(r, 0.07, 0.18);

        double noseTip = eyeY + 0.05 + noseLength;
        mouthY = Math.min(0.78, noseTip + between(r, 0.12, 0.3));
        mouthWidth = between(r, 0.16, 0.42);
        mouthCurve = between(r, -0.08, 0.12);
        lipThickness = between(r, 0.02, 0.07);
        lips = color ? scale(mix(skin, new Color(150, 40, 50), between(r, 0.2, 0.6)), between(r, 0.6, 0.9))
                : gray(skinTone * between(r, 0.35, 0.7));

        glasses = r.nextDouble() < 0.3 ? 1 + r.nextInt(2) : 0;
        glassesSize = between(r, 1.1, 1.6);
        moustache = r.nextDouble() < 0.25;
        beard = r.nextDouble() < 0.2;
        beardLength = between(r, 0.05, 0.3);
        moles = new double[r.nextInt(3)][];
        for (int i = 0; i < moles.length; i++) {
            moles[i] = new double[] {between(r, -0.5, 0.5), between(r, -0.5, 0.6), between(r, 0.02, 0.05)};
        }
        foreheadLines = r.nextDouble() < 0.35 ? 1 + r.nextInt(3) : 0;
        scar = r.nextDouble() < 0.15
                ? new double[] {between(r, -0.5, 0.5), between(r, -0.4, 0.5), between(r, -1.5, 1.5), between(r, 0.12, 0.3)}
                : null;
    }

    /** Whether the identity wears glasses (taken off in some images, see {@link Expression#glassesOn()}). */
    boolean hasGlasses() {
        return glasses != 0;
    }

    /** Whether the identity has a beard. */
    boolean hasBeard() {
        return beard;
    }

    /** Whether the identity has a moustache (with distinct attributes: and no beard, inside which it would not show). */
    boolean hasMoustache() {
        return moustache && !(distinct && beard);
    }

    /** Whether the identity is bald (hair on the sides only). */
    boolean isBald() {
        return hairStyle == HAIR_BALD;
    }

    /**
     * Width of the jaw relative to the head (with distinct attributes: to the cheeks), 0.45
     * (pointed) to 1.05 (square), or 0.35 to 1.05 in the groups of {@link #jawWidth}.
     */
    double jaw() {
        return jaw;
    }

    /** The mouth's own curve (face units, positive lifting its corners), before an expression's smile. */
    double mouthCurve() {
        return mouthCurve;
    }

    /** The hair colour's index in {@link #HAIR_COLOURS}; gray images have 0 (dark) or 3 (light) only. */
    int hairShade() {
        return hairShade;
    }

    /** The hair's colour (and a beard's). */
    Color hair() {
        return hair;
    }

    /** The skin's colour. */
    Color skin() {
        return skin;
    }

    /** Luminance of {@code c}, 0 (black) to 1 (white). */
    static double luminance(Color c) {
        return (0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()) / 255;
    }

    /** A random identity; colours are skin and hair tones if {@code color}, else grays. */
    static FacePrototype random(RandomGenerator random, boolean color, boolean distinctAttributes) {
        return new FacePrototype(random, color, distinctAttributes);
    }

    /**
     * One image's changes of the face that are not pose: how open the eyes are, where they look,
     * how the mouth and brows move, whether the mouth is open and the glasses are worn, and a
     * small wobble of the hairline and the features' positions.
     */
    record Expression(double eyeOpen, double gazeX, double gazeY, double smile, double browRaise,
                      double mouthOpen, boolean glassesOn, double hairlineShift, double featureShiftY) {

        /** The prototype as drawn, with no change. */
        static final Expression NEUTRAL = new Expression(1, 0, 0, 0, 0, 0, true, 0, 0);

        /** A random expression; {@code strength} 0 is {@link #NEUTRAL}, 1 the default spread. */
        static Expression random(RandomGenerator r, double strength) {
            if (strength == 0) {
                return NEUTRAL;
            }
            double blink = r.nextDouble() < 0.08 * strength ? 0.15 : 1 + strength * between(r, -0.3, 0.15);
            return new Expression(
                    Math.max(0.1, blink),
                    strength * between(r, -0.3, 0.3),
                    strength * between(r, -0.2, 0.2),
                    strength * 0.05 * r.nextGaussian(),
                    strength * 0.025 * r.nextGaussian(),
                    r.nextDouble() < 0.25 * strength ? between(r, 0.02, 0.08) * strength : 0,
                    r.nextDouble() >= 0.1 * strength,
                    strength * 0.03 * r.nextGaussian(),
                    strength * 0.015 * r.nextGaussian());
        }
    }

    /**
     * Draws the face on {@code g}, whose transform maps face units to pixels.
     *
     * @param g where to draw (anti-aliasing already set)
     * @param yaw sine of the head turn: inner features move sideways by their depth times this
     * @param e this image's expression
     */
    void draw(Graphics2D g, double yaw, Expression e) {
        double hl = hairline + e.hairlineShift();
        // behind the head: long or voluminous hair, then the ears
        if (hairStyle == HAIR_LONG) {
            g.setColor(hair);
            double w = headWidth * 1.18;
            g.fill(new Rectangle2D.Double(-w + depth(yaw, -0.1), -0.2, 2 * w, 1.35));
            g.fill(new Ellipse2D.Double(-w + depth(yaw, -0.1), -headHeight * 1.08, 2 * w, headHeight * 1.8));
        } else if (hairStyle == HAIR_VOLUME) {
            g.setColor(hair);
            double w = headWidth * 1.35;
            g.fill(new Ellipse2D.Double(-w + depth(yaw, -0.1), -headHeight * 1.3, 2 * w, headHeight * 1.75));
        }
        Color skinShade = scale(skin, 0.82);
        for (int side = -1; side <= 1; side += 2) {
            double cx = side * headWidth * cheek * 0.97 + depth(yaw, -0.3);
            g.setColor(skinShade);
            g.fill(new Ellipse2D.Double(cx - earWidth, earY - earHeight, 2 * earWidth, 2 * earHeight));
        }
        // neck and head
        g.setColor(skinShade);
        double neck = jawHalfWidth() * 0.55 + 0.08;
        g.fill(new Rectangle2D.Double(-neck + depth(yaw, -0.15), headHeight * 0.5, 2 * neck, 0.9));
        g.setColor(skin);
        Shape head = head(yaw);
        g.fill(head);
        if (distinct) { // the outline, so that the jaw shows against any background, neck or hair
            g.setColor(scale(skin, 0.55));
            g.setStroke(new BasicStroke(0.08f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(head);
        }

        drawHairCap(g, yaw, hl);
        for (int i = 0; i < foreheadLines; i++) {
            double y = hl + 0.12 + i * 0.07;
            if (y < eyeY - browGap - 0.08) {
                g.setColor(scale(skin, 0.7));
                g.setStroke(new BasicStroke(0.018f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                double x = depth(yaw, 0.3);
                g.draw(new QuadCurve2D.Double(x - 0.28, y, x, y - 0.03, x + 0.28, y));
            }
        }
        if (beard) {
            g.setColor(hair);
            g.fill(beard(yaw));
        }
        drawEyesAndBrows(g, yaw, e);
        drawNose(g, yaw, e);
        drawMouth(g, yaw, e);
        g.setColor(scale(skin, 0.35));
        for (double[] m : moles) {
            g.fill(new Ellipse2D.Double(m[0] * headWidth + depth(yaw, 0.35) - m[2], m[1] - m[2], 2 * m[2], 2 * m[2]));
        }
        if (scar != null) {
            g.setColor(scale(skin, 0.6));
            g.setStroke(new BasicStroke(0.025f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double x = scar[0] * headWidth + depth(yaw, 0.35);
            double dx = Math.cos(scar[2]) * scar[3] / 2;
            double dy = Math.sin(scar[2]) * scar[3] / 2;
            g.draw(new java.awt.geom.Line2D.Double(x - dx, scar[1] - dy, x + dx, scar[1] + dy));
        }
        if (glasses != 0 && e.glassesOn()) {
            drawGlasses(g, yaw, e);
        }
    }

    /** The head outline: an egg whose lower half narrows to the jaw, widest at the cheeks. */
    private Shape head(double yaw) {
        double x0 = depth(yaw, 0.05);
        double w = headWidth * cheek;
        double h = headHeight;
        GeneralPath p = new GeneralPath();
        p.moveTo(x0, -h);
        p.curveTo(x0 + w * 0.56, -h, x0 + w, -h * 0.55, x0 + w, 0);
        double low = jawLow(h);
        double chin = chinHalfWidth();
        p.curveTo(x0 + w, low, x0 + chin, h, x0, h);
        p.curveTo(x0 - chin, h, x0 - w, low, x0 - w, 0);
        p.curveTo(x0 - w, -h * 0.55, x0 - w * 0.56, -h, x0, -h);
        p.closePath();
        return p;
    }

    private void drawHairCap(Graphics2D g, double yaw, double hl) {
        if (hairStyle == HAIR_BALD) {
            // hair on the sides only, above the ears
            g.setColor(hair);
            double w = headWidth * cheek;
            for (int side = -1; side <= 1; side += 2) {
                double x = side * w * 0.92 + depth(yaw, 0.05);
                g.fill(new Ellipse2D.Double(x - 0.09, earY - earHeight - 0.2, 0.18, 0.3));
            }
            return;
        }
        g.setColor(hair);
        double x0 = depth(yaw, 0.1);
        double w = headWidth * cheek * 1.06;
        double top = -headHeight * 1.08 - (hairStyle == HAIR_VOLUME ? 0.1 : 0);
        Path2D.Double p = new Path2D.Double();
        p.moveTo(x0 - w, hl + 0.3);
        p.curveTo(x0 - w, top + 0.05, x0 - w * 0.5, top, x0, top);
        p.curveTo(x0 + w * 0.5, top, x0 + w, top + 0.05, x0 + w, hl + 0.3);
        switch (hairStyle) {
            case HAIR_FRINGE -> {
                // bangs down to just above the brows
                double fringe = eyeY - browGap - 0.08;
                p.lineTo(x0 + w * 0.8, fringe);
                p.lineTo(x0 - w * 0.8, fringe);
            }
            case HAIR_SIDE_PART -> {
                double s = partSide;
                p.curveTo(x0 + w * 0.8, hl, x0 + s * w * 0.3, hl - 0.05, x0 + s * w * 0.25, hl - 0.15);
                p.curveTo(x0 - s * w * 0.2, hl + 0.1, x0 - w * 0.8, hl + 0.05, x0 - w, hl + 0.3);
            }
            default -> p.curveTo(x0 + w * 0.7, hl, x0 - w * 0.7, hl, x0 - w, hl + 0.3);
        }
        p.closePath();
        g.fill(p);
    }

    private Shape beard(double yaw) {
        double x0 = depth(yaw, 0.25);
        double w = headWidth * cheek * 0.95;
        double y = mouthY - 0.12;
        double bottom = headHeight + beardLength;
        // distinct: the beard follows the jaw's outline, so that a bearded face still shows its shape
        double low = distinct ? jawLow(bottom) : bottom * 0.8;
        double chin = distinct ? chinHalfWidth() : headWidth * jaw * 0.6;
        GeneralPath p = new GeneralPath();
        p.moveTo(x0 - w, y - 0.2);
        p.curveTo(x0 - w, low, x0 - chin, bottom, x0, bottom);
        p.curveTo(x0 + chin, bottom, x0 + w, low, x0 + w, y - 0.2);
        // leave the mouth free
        p.lineTo(x0 + mouthWidth * 0.8, y);
        p.curveTo(x0 + mouthWidth, mouthY + 0.15, x0 - mouthWidth, mouthY + 0.15, x0 - mouthWidth * 0.8, y);
        p.closePath();
        return p;
    }

    private void drawEyesAndBrows(Graphics2D g, double yaw, Expression e) {
        double y = eyeY + e.featureShiftY();
        double browStroke = browThickness;
        for (int side = -1; side <= 1; side += 2) {
            // the eye on the side turned away looks narrower
            double narrow = 1 - 0.35 * Math.max(0, -side * yaw);
            double cx = side * eyeSpacing * headWidth + depth(yaw, 0.35);
            double w = eyeWidth * narrow;
            double h = Math.max(0.006, eyeWidth * eyeOpen * e.eyeOpen());
            // positive tilt lifts the outer corners
            double leftY = y + side * eyeTilt * eyeWidth;
            double rightY = y - side * eyeTilt * eyeWidth;
            Path2D.Double eye = new Path2D.Double();
            eye.moveTo(cx - w, leftY);
            eye.quadTo(cx, y - 2 * h, cx + w, rightY);
            eye.quadTo(cx, y + 2 * h * 0.8, cx - w, leftY);
            eye.closePath();
            g.setColor(gray(0.93));
            g.fill(eye);
            if (h > 0.012) {
                java.awt.Shape clip = g.getClip();
                g.clip(eye);
                double ir = irisSize * eyeWidth * 0.75;
                double ix = cx + e.gazeX() * w * 0.6;
                double iy = y + e.gazeY() * h;
                g.setColor(iris);
                g.fill(new Ellipse2D.Double(ix - ir, iy - ir, 2 * ir, 2 * ir));
                g.setColor(Color.BLACK);
                g.fill(new Ellipse2D.Double(ix - ir * 0.45, iy - ir * 0.45, ir * 0.9, ir * 0.9));
                g.setClip(clip);
            }
            g.setColor(scale(skin, 0.5));
            g.setStroke(new BasicStroke(0.018f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(eye);

            // brow
            double by = y - browGap - e.browRaise();
            double bl = browLength * narrow;
            double bx = side * eyeSpacing * headWidth + depth(yaw, 0.35);
            double dy = side * browAngle * bl;
            g.setColor(hair.getRed() + hair.getGreen() + hair.getBlue() > 3 * 150 ? scale(hair, 0.6) : hair);
            g.setStroke(new BasicStroke((float) browStroke, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(new QuadCurve2D.Double(bx - bl / 2 * side, by + dy / 2, bx, by - browArch - bl * 0.1,
                    bx + bl / 2 * side, by - dy / 2));
        }
    }

    private void drawNose(Graphics2D g, double yaw, Expression e) {
        double top = eyeY + 0.05 + e.featureShiftY();
        double tip = top + noseLength;
        double x = depth(yaw, 0.6);
        double xTop = depth(yaw, 0.4);
        Color shade = scale(skin, 0.62);
        g.setColor(shade);
        g.setStroke(new BasicStroke(0.025f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        switch (noseStyle) {
            case 0 -> {
                // a side line and the base
                Path2D.Double p = new Path2D.Double();
                p.moveTo(xTop + noseWidth * 0.2, top);
                p.lineTo(x + noseWidth * 0.4, tip);
                p.lineTo(x - noseWidth * 0.5, tip);
                g.draw(p);
            }
            case 1 -> {
                // a shadowed triangle
                Path2D.Double p = new Path2D.Double();
                p.moveTo(xTop, top);
                p.lineTo(x + noseWidth / 2, tip);
                p.lineTo(x - noseWidth / 2, tip);
                p.closePath();
                g.setColor(scale(skin, 0.85));
                g.fill(p);
                g.setColor(shade);
                g.draw(new java.awt.geom.Line2D.Double(x - noseWidth / 2, tip, x + noseWidth / 2, tip));
            }
            case 2 -> {
                // nostrils only
                double r = noseWidth * 0.22;
                g.setColor(scale(skin, 0.45));
                g.fill(new Ellipse2D.Double(x - noseWidth * 0.4 - r, tip - r, 2 * r, 1.4 * r));
                g.fill(new Ellipse2D.Double(x + noseWidth * 0.4 - r, tip - r, 2 * r, 1.4 * r));
            }
            default -> {
                // a round tip with a bridge
                double r = noseWidth * 0.45;
                g.draw(new QuadCurve2D.Double(xTop, top, x + r * 1.2, (top + tip) / 2, x + r * 0.6, tip - r * 0.3));
                g.draw(new java.awt.geom.Arc2D.Double(x - r, tip - r, 2 * r, 1.6 * r, 200, 140,
                        java.awt.geom.Arc2D.OPEN));
            }
        }
    }

    private void drawMouth(Graphics2D g, double yaw, Expression e) {
        double y = mouthY + e.featureShiftY();
        double x = depth(yaw, 0.4);
        double w = mouthWidth * (1 - 0.25 * Math.abs(yaw)) / 2;
        double curve = mouthCurve + e.smile();
        if (e.mouthOpen() > 0) {
            Path2D.Double p = new Path2D.Double();
            p.moveTo(x - w, y - curve * 0.5);
            p.quadTo(x, y - curve * 0.5 - e.mouthOpen(), x + w, y - curve * 0.5);
            p.quadTo(x, y + curve + e.mouthOpen() * 2.5, x - w, y - curve * 0.5);
            p.closePath();
            g.setColor(gray(0.08));
            g.fill(p);
            g.setColor(lips);
            g.setStroke(new BasicStroke((float) lipThickness, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(p);
        } else {
            g.setColor(lips);
            g.setStroke(new BasicStroke((float) lipThickness, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(new QuadCurve2D.Double(x - w, y - curve * 0.5, x, y + curve * 1.5, x + w, y - curve * 0.5));
        }
        if (hasMoustache()) {
            // distinct: the hair's shade, or a dark one where that would hardly differ from the skin
            g.setColor(distinct && luminance(hair) > 0.6 * luminance(skin) ? scale(skin, 0.4) : hair);
            g.setStroke(new BasicStroke(distinct ? 0.16f : 0.06f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double my = y - (distinct ? 0.13 : 0.09);
            // distinct: wider than the mouth, its ends drooping past the corners, unlike a lip
            double mw = distinct ? Math.max(w * 1.35, 0.3) : w * 1.05;
            double drop = distinct ? 0.09 : 0.04;
            g.draw(new QuadCurve2D.Double(x - mw, my + drop, x, my - 0.05, x + mw, my + drop));
        }
    }

    private void drawGlasses(Graphics2D g, double yaw, Expression e) {
        double y = eyeY + e.featureShiftY();
        double rx = eyeWidth * glassesSize;
        double ry = glasses == 1 ? rx : rx * 0.7;
        g.setColor(gray(0.1));
        g.setStroke(new BasicStroke(distinct ? 0.07f : 0.03f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        double left = -eyeSpacing * headWidth + depth(yaw, 0.4);
        double right = eyeSpacing * headWidth + depth(yaw, 0.4);
        for (double cx : new double[] {left, right}) {
            if (glasses == 1) {
                g.draw(new Ellipse2D.Double(cx - rx, y - ry, 2 * rx, 2 * ry));
            } else {
                g.draw(new Rectangle2D.Double(cx - rx, y - ry, 2 * rx, 2 * ry));
            }
        }
        g.draw(new QuadCurve2D.Double(left + rx, y - ry * 0.2, (left + right) / 2, y - ry * 0.6, right - rx, y - ry * 0.2));
    }

    /**
     * Half the jaw's width in face units: {@link #jaw} of the head's width, or with distinct
     * attributes of the cheeks' (the widest part of the outline), which is what the eye compares.
     */
    private double jawHalfWidth() {
        return headWidth * jaw * (distinct ? cheek : 1);
    }

    /** Where the outline starts to turn in toward the chin, {@code bottom} being the chin's height. */
    private double jawLow(double bottom) {
        // distinct: a square jaw keeps the cheeks' width low down to a flat chin, a pointed one narrows early
        return distinct ? bottom * (0.25 + 0.7 * (jaw - 0.45) / 0.6) : bottom * 0.55;
    }

    /** The control point's half width at the chin. */
    private double chinHalfWidth() {
        double jw = jawHalfWidth();
        return distinct ? jw * (0.35 + 0.65 * (jaw - 0.45) / 0.6) : jw * 0.75;
    }

    /** Sideways shift of a feature at {@code depth} (0 the head's centre plane, 1 its front) under a turn. */
    private static double depth(double yaw, double depth) {
        return yaw * depth;
    }

    /**
     * A jaw width from a uniform {@code u}: one of three groups with gaps between them (pointed
     * 0.35-0.42, oval 0.71-0.77, square 0.98-1.05 of the cheeks' width), so that the face shape
     * an image is labelled with is one its outline shows, not a width next to a boundary.
     */
    static double jawWidth(double u) {
        if (u < 1.0 / 3) {
            return 0.35 + 0.07 * (3 * u);
        }
        if (u < 2.0 / 3) {
            return 0.71 + 0.06 * (3 * u - 1);
        }
        return 0.98 + 0.07 * (3 * u - 2);
    }

    static double between(RandomGenerator r, double min, double max) {
        return min == max ? min : min + (max - min) * r.nextDouble();
    }

    private static Color gray(double v) {
        int c = clamp((int) Math.round(v * 255));
        return new Color(c, c, c);
    }

    private static Color scale(Color c, double f) {
        return new Color(clamp((int) (c.getRed() * f)), clamp((int) (c.getGreen() * f)), clamp((int) (c.getBlue() * f)));
    }

    /** The blend of {@code a} and {@code b}, weight {@code t} on {@code b}. */
    private static Color mix(Color a, Color b, double t) {
        return new Color(
                clamp((int) Math.round(a.getRed() * (1 - t) + b.getRed() * t)),
                clamp((int) Math.round(a.getGreen() * (1 - t) + b.getGreen() * t)),
                clamp((int) Math.round(a.getBlue() * (1 - t) + b.getBlue() * t)));
    }

    /** A skin colour from dark brown (tone 0.45) to light (tone 0.85), tinted pink by {@code hue} (0-0.25). */
    private static Color skinColor(double tone, double hue) {
        Color base = mix(new Color(95, 60, 40), new Color(250, 215, 185), (tone - 0.45) / 0.4);
        return mix(base, new Color(230, 170, 150), hue);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
