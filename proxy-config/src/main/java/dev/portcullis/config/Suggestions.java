package dev.portcullis.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the known word a misspelt one most likely meant, for the "did you mean" hint on an unknown
 * config key (Dropwizard does the same) or an unknown command-line word: a typo should cost one
 * glance, not a trip to the docs.
 */
public final class Suggestions {

    private static final int MAX_DISTANCE = 2;
    private static final int MIN_PREFIX = 3;

    private Suggestions() {
    }

    /**
     * The closest of {@code known} to {@code unknown}: edit distance at most 2 (a swap of two
     * neighbours counts once; case and {@code -} versus {@code _} are ignored), else a key that
     * starts with it or that it starts with.
     */
    public static Optional<String> closest(String unknown, List<String> known) {
        String typed = normalize(unknown);
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : known) {
            int d = distance(typed, normalize(candidate));
            if (d < bestDistance && d < candidate.length()) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best != null) {
            return Optional.of(best);
        }
        if (typed.length() < MIN_PREFIX) {
            return Optional.empty();
        }
        return known.stream()
                .filter(k -> normalize(k).startsWith(typed) || typed.startsWith(normalize(k)))
                .findFirst();
    }

    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** Optimal string alignment distance: Levenshtein plus transposition of adjacent characters. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
