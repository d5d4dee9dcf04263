package io.snipool.core.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a label's values bounded: the first {@code max} distinct values are used as they are, later ones become
 * {@link #OTHER}. Backend labels of template routes come from client-chosen names; without a cap a client could
 * create a time series per name.
 */
public final class BoundedLabels {

    public static final String OTHER = "other";

    private final int max;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    public BoundedLabels(int max) {
        this.max = max;
    }

    public String label(String value) {
        if (admitted.contains(value)) {
            return value;
        }
        // A race may admit a few more than max; the bound only has to hold roughly.
        if (admitted.size() >= max) {
            return OTHER;
        }
        admitted.add(value);
        return value;
    }
}
