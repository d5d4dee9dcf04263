package io.snipool.config;

/**
 * One thing wrong with a configuration file.
 *
 * @param path   the key path, such as {@code listeners[0].routes[2].backends[0]}; empty for a YAML syntax error
 * @param line   1-based, 0 if unknown
 * @param column 1-based, 0 if unknown
 */
public record ConfigProblem(String path, int line, int column, String message) {

    /** {@code path: message (line L, column C)}, the form printed by {@code --check}. */
    @Override
    public String toString() {
        String where = line > 0 ? " (line " + line + ", column " + column + ")" : "";
        return (path.isEmpty() ? "" : path + ": ") + message + where;
    }
}
