package io.snipool.app;

/** A start-up failure the user can fix (port in use, bad address); its message is the one line printed. */
public final class StartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
