package io.snipool.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks across the routes of one listener: a name served twice, a second catch-all, and backend templates
 * naming a variable that some host of the route cannot supply. Every route takes part with the hosts and backends
 * that could be read, whatever else is wrong with it or its listener.
 */
final class RouteTableCheck {

    private final Problems problems;

    RouteTableCheck(Problems problems) {
        this.problems = problems;
    }

    /** {@code routeMaps} and {@code routes} are parallel lists: one route read from each map. */
    void check(YamlMap listener, List<YamlMap> routeMaps, List<RouteConfig> routes) {
        Map<HostPattern, Integer> owner = new HashMap<>();
        int catchAlls = 0;
        for (int r = 0; r < routes.size(); r++) {
            RouteConfig route = routes.get(r);
            YamlMap routeMap = routeMaps.get(r);
            for (HostPattern host : route.hosts()) {
                if (host instanceof HostPattern.Regex) {
                    continue;
                }
                if (host instanceof HostPattern.CatchAll && ++catchAlls > 1) {
                    problems.add(routeMap.child("hosts"), routeMap.take("hosts"),
                            "a second catch-all '*'; a listener has at most one");
                    continue;
                }
                Integer first = owner.putIfAbsent(host, r);
                if (first != null && !(host instanceof HostPattern.CatchAll)) {
                    problems.add(routeMap.child("hosts"), routeMap.take("hosts"), "'" + host
                            + "' is already served by " + listener.child("routes") + "[" + first + "]");
                }
            }
            checkTemplates(routeMap, route);
        }
    }

    private void checkTemplates(YamlMap routeMap, RouteConfig route) {
        for (int b = 0; b < route.backends().size(); b++) {
            for (String problem : unsuppliedVariables(route.backends().get(b).variables(), route.hosts())) {
                problems.add(routeMap.child("backends") + "[" + b + "]", routeMap.take("backends"), problem);
            }
        }
    }

    /**
     * Why a template using {@code variables} cannot be expanded for every host of a route, one reason per variable:
     * {@code ${host}} always can; any other variable must be a named group of every host, which must all be
     * regexes. Backends and {@code backend_tls.sni} share this rule.
     */
    static List<String> unsuppliedVariables(Set<String> variables, List<HostPattern> hosts) {
        List<String> reasons = new ArrayList<>();
        for (String variable : variables) {
            if (variable.equals(BackendTemplate.HOST_VARIABLE)) {
                continue;
            }
            for (HostPattern host : hosts) {
                if (!(host instanceof HostPattern.Regex regex) || !regex.groupNames().contains(variable)) {
                    reasons.add("${" + variable + "} is not a named group of host '" + host + "'; every host of"
                            + " the route must define it (available here: ${host}" + groupsOf(host) + ")");
                    break;
                }
            }
        }
        return reasons;
    }

    private static String groupsOf(HostPattern host) {
        if (host instanceof HostPattern.Regex regex) {
            StringBuilder names = new StringBuilder();
            for (String name : regex.groupNames()) {
                names.append(", ${").append(name).append('}');
            }
            return names.toString();
        }
        return "";
    }
}
