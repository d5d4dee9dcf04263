package io.snipool.core.health;

/**
 * What the active checks say of a backend, and the streak behind it: {@code rise} passed checks in a row bring a
 * backend that is down up, {@code fall} failed ones take one that is up down. Pure and immutable.
 *
 * @param up       the checks' verdict
 * @param passes   passed checks in a row, up to the latest
 * @param failures failed checks in a row, up to the latest
 */
public record CheckStreak(boolean up, int passes, int failures) {

    /** Before any check: up, as a backend is trusted until checks or traffic say otherwise. */
    public static final CheckStreak INITIAL = new CheckStreak(true, 0, 0);

    /** The streak after one more check. */
    public CheckStreak after(boolean passed, int rise, int fall) {
        if (passed) {
            int inRow = passes + 1;
            return new CheckStreak(up || inRow >= rise, inRow, 0);
        }
        int inRow = failures + 1;
        return new CheckStreak(up && inRow < fall, 0, inRow);
    }
}
