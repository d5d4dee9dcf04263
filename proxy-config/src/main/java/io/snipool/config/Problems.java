package io.snipool.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects every problem found while reading one file, so all can be reported at once. */
final class Problems {

    private final List<ConfigProblem> found = new ArrayList<>();

    void add(String path, Node node, String message) {
        int line = 0;
        int column = 0;
        if (node != null && node.getStartMark().isPresent()) {
            Mark mark = node.getStartMark().get();
            line = mark.getLine() + 1;
            column = mark.getColumn() + 1;
        }
        found.add(new ConfigProblem(path, line, column, message));
    }

    void add(ConfigProblem problem) {
        found.add(problem);
    }

    boolean isEmpty() {
        return found.isEmpty();
    }

    /** Problems in file order; those without a position last. */
    List<ConfigProblem> inFileOrder() {
        List<ConfigProblem> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt((ConfigProblem p) -> p.line() == 0 ? Integer.MAX_VALUE : p.line())
                .thenComparingInt(ConfigProblem::column));
        return sorted;
    }
}
