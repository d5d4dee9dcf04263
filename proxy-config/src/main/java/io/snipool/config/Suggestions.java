package io.snipool.config;

import java.util.Collection;

/** "Did you mean" hints for misspelt keys and values. */
final class Suggestions {

    private Suggestions() {
    }

    /** {@code " (did you mean 'x'?)"} for the closest candidate within a small edit distance, else empty. */
    static String didYouMean(String typed, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = editDistance(typed, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        int allowed = Math.max(1, Math.min(3, typed.length() / 3));
        return best != null && bestDistance <= allowed ? " (did you mean '" + best + "'?)" : "";
    }

    /**
     * Levenshtein distance, ignoring case: a value written {@code TLSV1.3} or {@code HTTP} is one edit from
     * nothing, and its suggestion should say so.
     */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                boolean same = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1));
                int substitution = previous[j - 1] + (same ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
