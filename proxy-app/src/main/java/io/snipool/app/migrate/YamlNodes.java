package io.snipool.app.migrate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A source YAML file read as snakeyaml-engine's node tree, as {@code ConfigLoader} reads snipool's, so that every
 * complaint can name its line. Each accessor refuses the wrong kind of node with a {@link MigrationException}.
 */
final class YamlNodes {

    private static final int MAX_ALIASES = 100;

    private YamlNodes() {
    }

    /** The document's root, which must exist. */
    static Node root(String yaml) throws MigrationException {
        try {
            LoadSettings settings = LoadSettings.builder().setMaxAliasesForCollections(MAX_ALIASES).build();
            Optional<Node> root = new Compose(settings).composeString(yaml);
            if (root.isEmpty()) {
                throw new MigrationException(1, "the file is empty");
            }
            return root.get();
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(Mark::getLine).orElse(0) + 1;
            throw new MigrationException(line, "YAML syntax: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new MigrationException(1, "YAML syntax: " + e.getMessage());
        }
    }

    /** The 1-based line a node starts on. */
    static int line(Node node) {
        return node.getStartMark().map(Mark::getLine).orElse(0) + 1;
    }

    /** A mapping's value, with the line of its key (where a comment about the setting should point). */
    record Keyed(int line, Node value) {
    }

    /** A mapping's entries by key, in file order. */
    static Map<String, Keyed> mapping(Node node, String what) throws MigrationException {
        if (!(node instanceof MappingNode mapping)) {
            throw new MigrationException(line(node), what + " must be a mapping");
        }
        Map<String, Keyed> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key of " + what);
            if (entries.put(key, new Keyed(line(tuple.getKeyNode()), tuple.getValueNode())) != null) {
                throw new MigrationException(line(tuple.getKeyNode()), "'" + key + "' appears twice in " + what);
            }
        }
        return entries;
    }

    /** A sequence's items. */
    static List<Node> sequence(Node node, String what) throws MigrationException {
        if (!(node instanceof SequenceNode sequence)) {
            throw new MigrationException(line(node), what + " must be a list");
        }
        return new ArrayList<>(sequence.getValue());
    }

    /** A scalar's text. */
    static String scalar(Node node, String what) throws MigrationException {
        if (!(node instanceof ScalarNode scalar)) {
            throw new MigrationException(line(node), what + " must be a single value");
        }
        return scalar.getValue();
    }

    /** A whole number of at least {@code minimum}. */
    static long whole(Node node, String what, long minimum) throws MigrationException {
        String text = scalar(node, what);
        try {
            long value = Long.parseLong(text);
            if (value >= minimum) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the line
        }
        throw new MigrationException(line(node), what + " must be a whole number of at least " + minimum
                + ", got '" + text + "'");
    }

    /** {@code true} or {@code false}. */
    static boolean bool(Node node, String what) throws MigrationException {
        String text = scalar(node, what);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new MigrationException(line(node), what + " must be true or false, got '" + text + "'");
    }
}
