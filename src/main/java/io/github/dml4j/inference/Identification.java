package io.github.dml4j.inference;

import java.util.List;
import java.util.Objects;

/**
 * The answer to "who in the gallery is this?": the gallery's closest identities, best first,
 * each with its score (higher = more similar), and whether the probe is declared unknown
 * (open-set identification: its best score is below the threshold, so it matches no one).
 *
 * @param candidates up to k distinct identities, best first
 * @param threshold the open-set threshold used, or null for closed-set identification
 * @param unknown whether the best candidate misses the threshold
 */
public record Identification(List<Candidate> candidates, Double threshold, boolean unknown) {

    /**
     * One gallery identity and how well the probe matches it.
     *
     * @param label the identity's label in the gallery
     * @param name the identity's name
     * @param score the best score of the probe against the identity's gallery images
     */
    public record Candidate(int label, String name, double score) {
        /** Checks the name. */
        public Candidate {
            Objects.requireNonNull(name, "name");
        }
    }

    /** Copies the candidates. */
    public Identification {
        candidates = List.copyOf(candidates);
    }

    /** The best candidate (present even when the probe is declared unknown). */
    public Candidate best() {
        return candidates.get(0);
    }

    /** The identified name, or null when the probe is unknown. */
    public String identity() {
        return unknown ? null : best().name();
    }

    @Override
    public String toString() {
        return (unknown ? "unknown (best " + best() + ")" : best().name() + " " + best()) + ", candidates " + candidates;
    }
}
