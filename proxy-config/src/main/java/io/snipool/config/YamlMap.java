package io.snipool.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads one YAML mapping into typed values. Every accessor records a problem (with the key path and position)
 * and returns the default instead of throwing, so one pass finds every mistake: the typed ones are
 * {@link #value(String, Object, ValueParser)} with a {@link ValueParser} that says what is wrong with a text.
 * {@link #finish()} reports keys nobody asked for.
 */
final class YamlMap {

    private final String path;
    private final Node node;
    private final Problems problems;
    private final EnvSubstitution env;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> known = new TreeSet<>();

    private YamlMap(String path, Node node, Problems problems, EnvSubstitution env) {
        this.path = path;
        this.node = node;
        this.problems = problems;
        this.env = env;
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                Node keyNode = tuple.getKeyNode();
                if (!(keyNode instanceof ScalarNode scalarKey)) {
                    problems.add(path, keyNode, "keys must be plain names");
                    continue;
                }
                String key = scalarKey.getValue();
                if (entries.putIfAbsent(key, tuple) != null) {
                    problems.add(child(key), keyNode, "duplicate key '" + key + "'");
                }
            }
        }
    }

    /** Reads {@code node} as a mapping; a missing or null node reads as an empty mapping. */
    static YamlMap of(String path, Node node, Problems problems, EnvSubstitution env) {
        if (node != null && !isNull(node) && !(node instanceof MappingNode)) {
            problems.add(path, node, "expected a mapping (key: value), got " + describe(node));
            return new YamlMap(path, null, problems, env);
        }
        return new YamlMap(path, isNull(node) ? null : node, problems, env);
    }

    String path() {
        return path;
    }

    Node node() {
        return node;
    }

    Problems problems() {
        return problems;
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        known.add(key);
        NodeTuple tuple = entries.get(key);
        return tuple != null && !isNull(tuple.getValueNode());
    }

    /** The value node of {@code key}, or null if absent or null; marks the key as known. */
    Node take(String key) {
        known.add(key);
        NodeTuple tuple = entries.get(key);
        return tuple == null || isNull(tuple.getValueNode()) ? null : tuple.getValueNode();
    }

    /** The key node of {@code key} (for positions of key-level problems), or the mapping itself. */
    Node keyNode(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? node : tuple.getKeyNode();
    }

    YamlMap map(String key) {
        return of(child(key), take(key), problems, env);
    }

    /**
     * The value of {@code key} as {@code parser} reads it; the default if the key is absent or null, or (with a
     * problem recorded at the value) if the parser refuses it. Every typed accessor below is this one.
     */
    <T> T value(String key, T defaultValue, ValueParser<T> parser) {
        Node valueNode = take(key);
        return valueNode == null ? defaultValue : parsed(child(key), valueNode, parser).orElse(defaultValue);
    }

    String string(String key, String defaultValue) {
        return value(key, defaultValue, ValueParser.text());
    }

    /** A required string: a problem if absent. */
    String requiredString(String key) {
        Node value = take(key);
        if (value == null) {
            problems.add(child(key), node == null ? null : node, "required key '" + key + "' is missing");
            return null;
        }
        return scalar(child(key), value);
    }

    boolean bool(String key, boolean defaultValue) {
        return value(key, defaultValue, ValueParser.bool());
    }

    long integer(String key, long defaultValue, long min, long max) {
        return value(key, defaultValue, ValueParser.wholeNumber(min, max));
    }

    int intValue(String key, int defaultValue, int min, int max) {
        return (int) integer(key, defaultValue, min, max);
    }

    Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
        return value(key, defaultValue, ValueParser.duration(min, max));
    }

    int size(String key, int defaultValue, int min, int max) {
        return value(key, defaultValue, ValueParser.size(min, max));
    }

    <E extends Enum<E>> E choice(String key, E defaultValue, Class<E> type) {
        return value(key, defaultValue, ValueParser.choice(type));
    }

    /** A list of scalars, each converted by {@code parse} (which throws IllegalArgumentException to refuse). */
    <T> List<T> list(String key, Function<String, T> parse) {
        return values(key, ValueParser.throwing(parse));
    }

    /** A list of scalars, each read by {@code parser}; a refused entry is left out, with its problem recorded. */
    <T> List<T> values(String key, ValueParser<T> parser) {
        return entries(key, parser, null);
    }

    /**
     * A list whose entries are scalars, read by {@code parser}, or (if {@code mapping} is not null) mappings, read
     * by {@code mapping}, which returns empty once it has recorded why an entry cannot be used. A refused entry is
     * left out.
     */
    <T> List<T> entries(String key, ValueParser<T> parser, Function<YamlMap, Optional<T>> mapping) {
        List<T> result = new ArrayList<>();
        Node value = take(key);
        if (value == null) {
            return result;
        }
        String listPath = child(key);
        if (!(value instanceof SequenceNode sequence)) {
            problems.add(listPath, value, "expected a list, such as [\"a\", \"b\"], got " + describe(value));
            return result;
        }
        List<Node> items = sequence.getValue();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = listPath + "[" + i + "]";
            Node item = items.get(i);
            if (mapping != null && item instanceof MappingNode) {
                mapping.apply(of(itemPath, item, problems, env)).ifPresent(result::add);
            } else {
                parsed(itemPath, item, parser).ifPresent(result::add);
            }
        }
        return result;
    }

    /** The items of a list of mappings. */
    List<YamlMap> mapList(String key) {
        List<YamlMap> result = new ArrayList<>();
        Node value = take(key);
        if (value == null) {
            return result;
        }
        String listPath = child(key);
        if (!(value instanceof SequenceNode sequence)) {
            problems.add(listPath, value, "expected a list, got " + describe(value));
            return result;
        }
        List<Node> items = sequence.getValue();
        for (int i = 0; i < items.size(); i++) {
            result.add(of(listPath + "[" + i + "]", items.get(i), problems, env));
        }
        return result;
    }

    /** The node of entry {@code index} of the list {@code key}, or the list's own node if it has no such entry. */
    Node listItem(String key, int index) {
        Node value = take(key);
        return value instanceof SequenceNode sequence && index < sequence.getValue().size()
                ? sequence.getValue().get(index) : value;
    }

    /** How many entries the list {@code key} has as written, valid or not; 0 if it is absent or not a list. */
    int listSize(String key) {
        return take(key) instanceof SequenceNode sequence ? sequence.getValue().size() : 0;
    }

    /**
     * Records a problem if the list {@code key} is missing or written empty; {@code values} are what was read of
     * it (a list whose every entry was refused has its problems already).
     */
    void requireNonEmpty(String key, List<?> values) {
        Node value = take(key);
        if (values.isEmpty() && (value == null || (value instanceof SequenceNode sequence
                && sequence.getValue().isEmpty()))) {
            problems.add(child(key), value == null ? node : value, key + " must list at least one entry");
        }
    }

    /** Reports every key that no accessor asked for, with a suggestion where one is close. */
    void finish() {
        for (Map.Entry<String, NodeTuple> entry : entries.entrySet()) {
            String key = entry.getKey();
            if (!known.contains(key)) {
                problems.add(child(key), entry.getValue().getKeyNode(), "unknown key '" + key + "'"
                        + Suggestions.didYouMean(key, known));
            }
        }
    }

    /** The value {@code parser} reads from a scalar node; empty, with a problem at the node, if it cannot. */
    private <T> Optional<T> parsed(String valuePath, Node value, ValueParser<T> parser) {
        String text = scalar(valuePath, value);
        if (text == null) {
            return Optional.empty();
        }
        ValueParser.Parsed<T> parsed = parser.parse(text);
        if (parsed instanceof ValueParser.Parsed.Refused<T> refused) {
            problems.add(valuePath, value, refused.reason());
            return Optional.empty();
        }
        return Optional.of(((ValueParser.Parsed.Accepted<T>) parsed).value());
    }

    /** The text of a scalar after {@code ${env:...}} substitution, or null (with a problem) for non-scalars. */
    private String scalar(String valuePath, Node value) {
        if (!(value instanceof ScalarNode scalarNode)) {
            problems.add(valuePath, value, "expected a single value, got " + describe(value));
            return null;
        }
        try {
            return env.apply(scalarNode.getValue());
        } catch (IllegalArgumentException e) {
            problems.add(valuePath, value, e.getMessage());
            return null;
        }
    }

    private static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode && Tag.NULL.equals(node.getTag()));
    }

    private static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "'" + ((ScalarNode) node).getValue() + "'";
    }
}
