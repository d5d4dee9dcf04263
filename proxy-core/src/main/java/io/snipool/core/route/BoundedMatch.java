package io.snipool.core.route;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Matches a route regex against a client-chosen name with a bound on the work: Java's regex engine backtracks, so
 * a pattern such as {@code (a+)+b} takes exponential time on some inputs, and the names come from clients. The
 * name is wrapped in a {@link CharSequence} that counts character reads and gives up past a budget; a match that
 * gives up counts as no match.
 */
final class BoundedMatch {

    /**
     * Character reads allowed per match. A name is at most 253 characters; ordinary route patterns read each a
     * handful of times, so this leaves a wide margin while capping a pathological pattern at about a millisecond.
     */
    static final int DEFAULT_BUDGET = 100_000;

    /** Thrown inside the regex engine when the budget is spent; never escapes {@link #matches}. */
    private static final class BudgetExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded() {
            super(null, null, false, false);
        }
    }

    private BoundedMatch() {
    }

    /** The matcher after a successful whole-input match; empty if it did not match or spent its budget. */
    static Optional<Matcher> matches(Pattern pattern, String input, int budget) {
        Matcher matcher = pattern.matcher(new Counting(input, budget));
        try {
            return matcher.matches() ? Optional.of(matcher) : Optional.empty();
        } catch (BudgetExceeded e) {
            return Optional.empty();
        }
    }

    /** A string that counts how often it is read. */
    private static final class Counting implements CharSequence {
        private final String text;
        private final int[] remaining;

        Counting(String text, int budget) {
            this(text, new int[] {budget});
        }

        private Counting(String text, int[] remaining) {
            this.text = text;
            this.remaining = remaining;
        }

        @Override
        public char charAt(int index) {
            if (--remaining[0] < 0) {
                throw new BudgetExceeded();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counting(text.substring(start, end), remaining);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
