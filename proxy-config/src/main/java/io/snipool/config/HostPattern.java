package io.snipool.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One entry of a route's {@code hosts} list. Precedence between kinds follows nginx's {@code server_name}: exact,
 * then the longest wildcard, then regexes in file order, then the catch-all.
 */
public sealed interface HostPattern {

    /** An exact name, lower-cased, without a trailing dot. */
    record Exact(String name) implements HostPattern {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code *.suffix}: any name strictly below {@code suffix} (never {@code suffix} itself). */
    record Wildcard(String suffix) implements HostPattern {
        @Override
        public String toString() {
            return "*." + suffix;
        }
    }

    /**
     * {@code ~regex}: matched against the whole (lower-cased) name; its named groups are usable as {@code ${name}}
     * in the route's backends.
     */
    record Regex(String source, Pattern pattern, List<String> groupNames) implements HostPattern {
        public Regex {
            groupNames = List.copyOf(groupNames);
        }

        @Override
        public String toString() {
            return "~" + source;
        }
    }

    /** {@code *}: every name, and (for TLS) a hello without SNI. */
    record CatchAll() implements HostPattern {
        @Override
        public String toString() {
            return "*";
        }
    }

    /**
     * Parses one {@code hosts} entry.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    static HostPattern parse(String text) {
        if (text.equals("*")) {
            return new CatchAll();
        }
        if (text.startsWith("~")) {
            return parseRegex(text.substring(1));
        }
        if (text.startsWith("*.")) {
            String suffix = HostNames.normalize(text.substring(2));
            if (suffix.indexOf('*') >= 0 || !HostNames.isValidDnsName(suffix)) {
                throw new IllegalArgumentException("'" + text + "' is not a valid wildcard (expected *.domain)");
            }
            return new Wildcard(suffix);
        }
        if (text.indexOf('*') >= 0) {
            throw new IllegalArgumentException("'" + text
                    + "': '*' is only allowed as a whole leading label ('*.example.com') or alone ('*');"
                    + " use a '~' regex for other patterns");
        }
        String name = HostNames.normalize(text);
        if (!HostNames.isValidDnsName(name)) {
            throw new IllegalArgumentException("'" + text + "' is not a valid host name");
        }
        return new Exact(name);
    }

    private static Regex parseRegex(String source) {
        if (source.isEmpty()) {
            throw new IllegalArgumentException("empty regex after '~'");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(source);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("regex does not compile: " + e.getDescription() + " near index "
                    + e.getIndex() + " of '" + source + "'");
        }
        return new Regex(source, pattern, namedGroups(source));
    }

    /**
     * The named groups {@code (?<name>...)} of a regex that compiled. Java 17 has no API for this, so the source
     * is scanned, skipping escaped characters and character classes.
     */
    private static List<String> namedGroups(String source) {
        List<String> names = new ArrayList<>();
        boolean inClass = false;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\\' && source.startsWith("Q", i + 1)) {
                // \Q...\E quotes everything up to \E (or the end): nothing inside is a group.
                int end = source.indexOf("\\E", i + 2);
                i = end < 0 ? source.length() : end + 1;
            } else if (c == '\\') {
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(' && source.startsWith("?<", i + 1) && i + 3 < source.length()
                    && Character.isLetter(source.charAt(i + 3))) {
                int end = source.indexOf('>', i + 3);
                names.add(source.substring(i + 3, end));
            }
        }
        return Collections.unmodifiableList(names);
    }
}
