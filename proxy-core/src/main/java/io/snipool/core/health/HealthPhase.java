package io.snipool.core.health;

import java.util.Locale;

/**
 * Where a backend stands. Only {@link #UP} takes new requests (selection consults it); leaving it closes the
 * backend's idle pooled connections, while exchanges and tunnels in flight run on.
 *
 * <pre>
 * UP      -> DOWN     fall failed checks in a row
 * UP      -> EJECTED  consecutive_failures of real traffic in a row, within max_ejection_percent
 * DOWN    -> UP       rise passed checks in a row
 * EJECTED -> UP       the ejection time ended, and the checks (if any) say up
 * EJECTED -> DOWN     the ejection time ended, and the checks say down
 * </pre>
 *
 * An ejected backend comes back when its time ends, never earlier because a check passed: a backend can answer its
 * health check and still fail real requests. Real traffic does not eject a backend that is down.
 */
public enum HealthPhase {
    UP,
    DOWN,
    EJECTED;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** Takes new requests. */
    public boolean available() {
        return this == UP;
    }

    /** True for an arrow of the diagram above. */
    public boolean mayMoveTo(HealthPhase next) {
        return switch (this) {
            case UP -> next == DOWN || next == EJECTED;
            case DOWN -> next == UP;
            case EJECTED -> next == UP || next == DOWN;
        };
    }

    /** The name in the admin API, logs and pool events. */
    public String label() {
        return label;
    }
}
