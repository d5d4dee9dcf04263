package io.snipool.core.route;

import io.snipool.config.HostPattern;
import io.snipool.config.RouteConfig;
import java.util.Map;

/**
 * The outcome of a successful {@link RouteTable} lookup.
 *
 * @param route      the route that serves the name
 * @param routeIndex the route's position in the listener's {@code routes} list, so per-event-loop state (such as
 *                   a {@link BackendSelector}) can be kept in an array parallel to the routes
 * @param matchedBy  the host entry that matched; for logs and metrics
 * @param host       the requested name (normalized), or the empty string for a TLS hello without SNI
 * @param variables  the values for the route's backend templates: {@code host} (absent when there was no name)
 *                   and each named group of the matching regex that took part in the match
 */
public record RouteMatch(RouteConfig route, int routeIndex, HostPattern matchedBy, String host,
                         Map<String, String> variables) {

    public RouteMatch {
        variables = Map.copyOf(variables);
    }

    /** False for the catch-all taking a TLS hello that carried no server name. */
    public boolean hasName() {
        return !host.isEmpty();
    }
}
