package io.snipool.config;

import java.util.function.Function;

/**
 * Replaces {@code ${env:NAME}} and {@code ${env:NAME:-default}} in scalar values with the environment. Other
 * {@code ${...}} forms (backend templates such as {@code ${host}}) are left for the route to expand.
 */
final class EnvSubstitution {

    private static final String PREFIX = "${env:";

    private final Function<String, String> environment;

    EnvSubstitution(Function<String, String> environment) {
        this.environment = environment;
    }

    /**
     * @throws IllegalArgumentException naming the variable that is unset or the reference that is malformed
     */
    String apply(String text) {
        int start = text.indexOf(PREFIX);
        if (start < 0) {
            return text;
        }
        StringBuilder result = new StringBuilder();
        int from = 0;
        while (start >= 0) {
            result.append(text, from, start);
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'" + text + "': '${env:' without a closing '}'");
            }
            String reference = text.substring(start + PREFIX.length(), end);
            int fallbackAt = reference.indexOf(":-");
            String name = fallbackAt < 0 ? reference : reference.substring(0, fallbackAt);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("'${env:" + reference + "}': '" + name
                        + "' is not an environment variable name");
            }
            String value = environment.apply(name);
            if (value == null) {
                if (fallbackAt < 0) {
                    throw new IllegalArgumentException("environment variable " + name
                            + " is not set (write ${env:" + name + ":-default} to give a default)");
                }
                value = reference.substring(fallbackAt + 2);
            }
            result.append(value);
            from = end + 1;
            start = text.indexOf(PREFIX, from);
        }
        result.append(text, from, text.length());
        return result.toString();
    }
}
