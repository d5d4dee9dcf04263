package io.snipool.app.migrate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One sniproxy table pattern turned into a snipool {@code hosts} entry. sniproxy matches each pattern as a PCRE,
 * case-insensitively and unanchored, against the requested name; snipool matches a {@code ~} regex against the
 * whole name. A pattern that spells a plain domain becomes an exact host, {@code .*\.domain} a wildcard, anything
 * else an anchored regex; each difference in what the result matches is said in a note.
 */
public final class PcreHostPattern {

    /** A domain written as a pattern: labels separated by {@code \.} (or a bare {@code .}, which matches any). */
    private static final Pattern LITERAL_DOMAIN =
            Pattern.compile("(?:[A-Za-z0-9-]+(?:\\\\\\.|\\.))*[A-Za-z0-9-]+");
    /** What, before a literal domain, makes a pattern "any name below it". */
    private static final List<String> WILDCARD_PREFIXES = List.of(".*\\.", ".+\\.", ".*.", ".+.");
    private static final List<String> CATCH_ALL_BODIES = List.of(".*", ".+", ".", "");

    /** What a pattern became. */
    public sealed interface Result {
    }

    /** The snipool host, with notes on how it differs from the original. */
    public record Translated(String host, List<String> notes) implements Result {
        public Translated {
            notes = List.copyOf(notes);
        }
    }

    /** No snipool host matches as the pattern did (it does not compile as a Java regex). */
    public record Untranslatable(String reason) implements Result {
    }

    private PcreHostPattern() {
    }

    /** Translates {@code pattern}, as sniproxy's tokenizer left it (escapes already removed). */
    public static Result translate(String pattern) {
        boolean startAnchored = pattern.startsWith("^");
        String body = startAnchored ? pattern.substring(1) : pattern;
        boolean endAnchored = body.endsWith("$") && !body.endsWith("\\$");
        body = endAnchored ? body.substring(0, body.length() - 1) : body;
        List<String> notes = new ArrayList<>();

        if (CATCH_ALL_BODIES.contains(body) && !(startAnchored && endAnchored && body.length() < 2)) {
            return new Translated("*", List.of());
        }
        if (LITERAL_DOMAIN.matcher(body).matches()) {
            String domain = domainOf(body, notes);
            if (!startAnchored || !endAnchored) {
                notes.add("sniproxy's pattern '" + pattern + "' was unanchored: it also matched every name containing"
                        + " it (www." + domain + ", " + domain + ".other.test); snipool matches " + domain
                        + " only. Add '*." + domain + "' to this route if names below it must follow.");
            }
            return new Translated(domain, notes);
        }
        for (String prefix : WILDCARD_PREFIXES) {
            String rest = body.startsWith(prefix) ? body.substring(prefix.length()) : "";
            if (!rest.isEmpty() && LITERAL_DOMAIN.matcher(rest).matches()) {
                return wildcard(pattern, domainOf(rest, notes), endAnchored, notes);
            }
        }
        if (!startAnchored && body.startsWith("\\.") && LITERAL_DOMAIN.matcher(body.substring(2)).matches()) {
            return wildcard(pattern, domainOf(body.substring(2), notes), endAnchored, notes);
        }
        return regex(pattern, body, startAnchored, endAnchored);
    }

    /**
     * The pattern as sniproxy applied it: unanchored and case-insensitive, for checking which names an earlier entry
     * took first. Empty where Java cannot compile it.
     */
    public static Optional<Pattern> asSniproxyMatches(String pattern) {
        try {
            return Optional.of(Pattern.compile(pattern, Pattern.CASE_INSENSITIVE));
        } catch (PatternSyntaxException e) {
            return Optional.empty();
        }
    }

    private static Translated wildcard(String pattern, String domain, boolean endAnchored, List<String> notes) {
        if (!endAnchored) {
            notes.add("sniproxy's pattern '" + pattern + "' was unanchored at the end: it also matched names going on"
                    + " after " + domain + " (a." + domain + ".other.test); snipool's '*." + domain + "' does not.");
        }
        return new Translated("*." + domain, notes);
    }

    private static Result regex(String pattern, String body, boolean startAnchored, boolean endAnchored) {
        // sniproxy compiles with PCRE_CASELESS; snipool lower-cases the name, so only capitals need (?i).
        String flags = body.equals(body.toLowerCase(Locale.ROOT)) ? "" : "(?i)";
        String group = hasTopLevelAlternation(body) ? "(?:" + body + ")" : body;
        String source = flags + "^" + group + "$";
        try {
            Pattern.compile(source);
        } catch (PatternSyntaxException e) {
            return new Untranslatable("'" + pattern + "' does not compile as a Java regex: " + e.getDescription());
        }
        List<String> notes = new ArrayList<>();
        if (!startAnchored || !endAnchored) {
            notes.add("sniproxy's pattern '" + pattern + "' was unanchored" + (startAnchored ? " at the end"
                    : endAnchored ? " at the start" : "") + ": it matched any name containing a match. snipool"
                    + " matches a regex against the whole name, so this anchored form matches only names the pattern"
                    + " spells out entirely; '~" + flags + "^.*(?:" + body + ").*$' would keep the old behaviour.");
        }
        return new Translated("~" + source, notes);
    }

    /** Whether {@code a|b} splits the whole pattern, so that anchors added around it need a group. */
    private static boolean hasTopLevelAlternation(String body) {
        int depth = 0;
        boolean inClass = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\') {
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '|' && depth == 0) {
                return true;
            }
        }
        return false;
    }

    private static String domainOf(String literal, List<String> notes) {
        String withoutEscapes = literal.replace("\\.", "\u0000");
        if (withoutEscapes.indexOf('.') >= 0) {
            notes.add("an unescaped '.' in '" + literal + "' matched any character in sniproxy; taken as a dot.");
        }
        return withoutEscapes.replace('\u0000', '.').toLowerCase(Locale.ROOT);
    }
}
