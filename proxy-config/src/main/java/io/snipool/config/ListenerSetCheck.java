package io.snipool.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks across listeners: a name used twice, an address bound twice (port 0 excepted: each such bind gets its own
 * ephemeral port), or the admin server's address. Every listener takes part with whatever of its name and bind
 * could be read, whether or not the rest of it is valid: the file is validated in one pass, so a listener with a
 * bad {@code mode} must still be told that its name is taken.
 */
final class ListenerSetCheck {

    private final Problems problems;
    private final HostPort adminBind;
    private final Set<String> names = new HashSet<>();
    /** Each bound address and how the first listener binding it is called in a message. */
    private final Map<HostPort, String> firstBinder = new HashMap<>();

    ListenerSetCheck(Problems problems, HostPort adminBind) {
        this.problems = problems;
        this.adminBind = adminBind;
    }

    /**
     * Checks one listener against those added before it, in file order.
     *
     * @param name null if the listener's name is missing or invalid (already reported)
     * @param bind null if its bind is missing or invalid (already reported)
     */
    void add(YamlMap listener, String name, HostPort bind) {
        if (name != null && !names.add(name)) {
            problems.add(listener.child("name"), listener.take("name"), "duplicate listener name '" + name + "'");
        }
        if (bind == null || bind.port() == 0) {
            return;
        }
        String who = name == null ? listener.path() : "listener '" + name + "'";
        String sameBind = firstBinder.putIfAbsent(bind, who);
        if (sameBind != null) {
            problems.add(listener.child("bind"), listener.take("bind"), who + " binds " + bind + ", as " + sameBind
                    + " does already");
        }
        if (bind.equals(adminBind)) {
            problems.add(listener.child("bind"), listener.take("bind"), who + " binds " + bind
                    + ", the admin server's address (metrics.bind)");
        }
    }
}
