package io.snipool.app.migrate;

/** The input could not be read as the format it was said to be; the message names the line. */
public final class MigrationException extends Exception {

    private final int line;

    public MigrationException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    /** The 1-based line of the input the problem is on. */
    public int line() {
        return line;
    }
}
