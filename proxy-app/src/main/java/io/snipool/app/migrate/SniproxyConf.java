package io.snipool.app.migrate;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads dlundquist/sniproxy's {@code sniproxy.conf} into a tree of directives, by the rules of its man page
 * (sniproxy.conf(5)) and tokenizer: statements end at a new line or {@code ;}, {@code #} starts a comment,
 * {@code {...}} holds a stanza, {@code \} escapes the next character and {@code "} quotes separators. What the
 * directives mean is {@link SniproxyMigration}'s business.
 */
public final class SniproxyConf {

    /** One statement: its words, and its stanza ({@code null} when it has none). */
    public record Directive(int line, List<String> words, List<Directive> block) {
        public Directive {
            words = List.copyOf(words);
            block = block == null ? null : List.copyOf(block);
        }

        /** The first word. */
        public String keyword() {
            return words.get(0);
        }

        /** The words after the keyword. */
        public List<String> arguments() {
            return words.subList(1, words.size());
        }
    }

    private final String text;
    private int position;
    private int line = 1;

    private SniproxyConf(String text) {
        this.text = text;
    }

    /** The top-level directives of {@code text}. */
    public static List<Directive> parse(String text) throws MigrationException {
        return new SniproxyConf(text).statements(0);
    }

    /** Statements up to the end of input (depth 0) or the {@code }} closing a stanza opened on {@code openLine}. */
    private List<Directive> statements(int openLine) throws MigrationException {
        List<Directive> directives = new ArrayList<>();
        List<String> words = new ArrayList<>();
        int wordsLine = line;
        while (true) {
            skipBlanks();
            if (position >= text.length()) {
                if (openLine > 0) {
                    throw new MigrationException(openLine, "'{' is never closed");
                }
                end(directives, words, wordsLine, null);
                return directives;
            }
            char c = text.charAt(position);
            switch (c) {
                case '#' -> skipComment();
                case ';', '\n', '\r' -> {
                    end(directives, words, wordsLine, null);
                    words = new ArrayList<>();
                    consume();
                }
                case '{' -> {
                    if (words.isEmpty()) {
                        throw new MigrationException(line, "'{' without a directive before it");
                    }
                    int braceLine = line;
                    consume();
                    end(directives, words, wordsLine, statements(braceLine));
                    words = new ArrayList<>();
                }
                case '}' -> {
                    if (openLine == 0) {
                        throw new MigrationException(line, "'}' without a '{' before it");
                    }
                    end(directives, words, wordsLine, null);
                    consume();
                    return directives;
                }
                default -> {
                    if (words.isEmpty()) {
                        wordsLine = line;
                    }
                    words.add(word());
                }
            }
        }
    }

    private static void end(List<Directive> directives, List<String> words, int line, List<Directive> block) {
        if (!words.isEmpty()) {
            directives.add(new Directive(line, words, block));
        }
    }

    /** A word, unescaped and unquoted as sniproxy's tokenizer does. */
    private String word() throws MigrationException {
        int startLine = line;
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == '\\') {
                consume();
                if (position >= text.length()) {
                    throw new MigrationException(line, "'\\' at the end of the file escapes nothing");
                }
                word.append(text.charAt(position));
                consume();
            } else if (c == '"') {
                quoted = !quoted;
                consume();
            } else if (!quoted && " \t;\n\r#{}".indexOf(c) >= 0) {
                return word.toString();
            } else {
                word.append(c);
                consume();
            }
        }
        if (quoted) {
            throw new MigrationException(startLine, "'\"' is never closed");
        }
        return word.toString();
    }

    private void skipBlanks() {
        while (position < text.length() && (text.charAt(position) == ' ' || text.charAt(position) == '\t')) {
            position++;
        }
    }

    private void skipComment() {
        while (position < text.length() && text.charAt(position) != '\n' && text.charAt(position) != '\r') {
            position++;
        }
    }

    private void consume() {
        if (text.charAt(position) == '\n') {
            line++;
        }
        position++;
    }
}
