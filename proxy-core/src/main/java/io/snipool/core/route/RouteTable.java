package io.snipool.core.route;

import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPattern;
import io.snipool.config.RouteConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Maps a requested host name to the route of one listener, with nginx's {@code server_name} precedence: an exact
 * name, then the longest matching wildcard, then the first matching regex in file order, then the catch-all.
 *
 * <p>Exact and wildcard lookups are hash lookups (a wildcard costs one per label of the name), so a table of tens
 * of thousands of names costs no more per lookup than a small one; only regexes are tried one by one.
 *
 * <p>Immutable once built, so one table may be shared by every event loop of a listener.
 */
public final class RouteTable {

    private final List<RouteConfig> routes;
    /**
     * An exact name always matches the same way, so its match is made once here rather than per request (with its
     * variables map): it was a measurable share of the garbage of HTTP keep-alive load (bench/results/issue-13-tail).
     */
    private final Map<String, Optional<RouteMatch>> exactNames;
    /** Keyed by the wildcard's suffix: {@code *.example.test} is stored under {@code example.test}. */
    private final Map<String, Entry> wildcardSuffixes;
    private final List<RegexEntry> regexes;
    private final Entry catchAll;

    private record Entry(int routeIndex, HostPattern pattern) {
    }

    private record RegexEntry(int routeIndex, HostPattern.Regex pattern) {
    }

    private RouteTable(List<RouteConfig> routes) {
        this.routes = List.copyOf(routes);
        Map<String, Entry> exact = new HashMap<>();
        Map<String, Entry> wildcards = new HashMap<>();
        List<RegexEntry> regexList = new ArrayList<>();
        Entry firstCatchAll = null;
        for (int r = 0; r < this.routes.size(); r++) {
            for (HostPattern host : this.routes.get(r).hosts()) {
                // The loader refuses a name served twice and a second catch-all; should a table be built from
                // unchecked records anyway, the first route in file order keeps the name, as regexes do.
                if (host instanceof HostPattern.Exact e) {
                    exact.putIfAbsent(e.name(), new Entry(r, host));
                } else if (host instanceof HostPattern.Wildcard w) {
                    wildcards.putIfAbsent(w.suffix(), new Entry(r, host));
                } else if (host instanceof HostPattern.Regex regex) {
                    regexList.add(new RegexEntry(r, regex));
                } else if (host instanceof HostPattern.CatchAll && firstCatchAll == null) {
                    firstCatchAll = new Entry(r, host);
                }
            }
        }
        Map<String, Optional<RouteMatch>> exactMatches = new HashMap<>();
        exact.forEach((name, entry) -> exactMatches.put(name, Optional.of(nameMatch(entry, name))));
        this.exactNames = Map.copyOf(exactMatches);
        this.wildcardSuffixes = Map.copyOf(wildcards);
        this.regexes = List.copyOf(regexList);
        this.catchAll = firstCatchAll;
    }

    /** Builds the table of one listener from its routes in file order. */
    public static RouteTable of(List<RouteConfig> routes) {
        return new RouteTable(routes);
    }

    /** The routes in file order; {@link RouteMatch#routeIndex()} indexes this list. */
    public List<RouteConfig> routes() {
        return routes;
    }

    /**
     * Finds the route for a name.
     *
     * @param normalizedHost lower-cased and without a trailing dot, as the SNI and Host parsers deliver it; a name
     *                       that is not normalized simply fails to match exact names and wildcards. An empty name
     *                       is treated as no name at all (see {@link #matchWithoutName()}).
     */
    public Optional<RouteMatch> match(String normalizedHost) {
        if (normalizedHost.isEmpty()) {
            return matchWithoutName();
        }
        Optional<RouteMatch> exact = exactNames.get(normalizedHost);
        if (exact != null) {
            return exact;
        }
        Entry wildcard = longestWildcard(normalizedHost);
        if (wildcard != null) {
            return Optional.of(nameMatch(wildcard, normalizedHost));
        }
        for (RegexEntry regex : regexes) {
            Optional<Matcher> found = BoundedMatch.matches(regex.pattern().pattern(), normalizedHost,
                    BoundedMatch.DEFAULT_BUDGET);
            if (found.isPresent()) {
                Matcher matcher = found.get();
                return Optional.of(new RouteMatch(routes.get(regex.routeIndex()), regex.routeIndex(),
                        regex.pattern(), normalizedHost, regexVariables(regex.pattern(), matcher, normalizedHost)));
            }
        }
        if (catchAll != null) {
            return Optional.of(nameMatch(catchAll, normalizedHost));
        }
        return Optional.empty();
    }

    /**
     * Finds the route for a TLS hello without a server name (or a request without a host): only the catch-all
     * {@code *} takes it, since no other pattern can match a name that is not there. The match has no {@code host}
     * variable, so a template backend of the catch-all route expands to an invalid target and is refused.
     */
    public Optional<RouteMatch> matchWithoutName() {
        if (catchAll == null) {
            return Optional.empty();
        }
        return Optional.of(new RouteMatch(routes.get(catchAll.routeIndex()), catchAll.routeIndex(),
                catchAll.pattern(), "", Map.of()));
    }

    /**
     * {@code *.example.test} matches any name strictly below {@code example.test}. Dropping one leading label at a
     * time visits the candidate suffixes from the longest to the shortest, so the first hit is the longest
     * wildcard, and the cost is one hash lookup per label rather than a scan of all wildcards.
     */
    private Entry longestWildcard(String name) {
        int dot = name.indexOf('.');
        while (dot >= 0 && dot + 1 < name.length()) {
            Entry entry = wildcardSuffixes.get(name.substring(dot + 1));
            if (entry != null) {
                return entry;
            }
            dot = name.indexOf('.', dot + 1);
        }
        return null;
    }

    private RouteMatch nameMatch(Entry entry, String host) {
        return new RouteMatch(routes.get(entry.routeIndex()), entry.routeIndex(), entry.pattern(), host,
                Map.of(BackendTemplate.HOST_VARIABLE, host));
    }

    /**
     * {@code host} always holds the requested name, as {@link BackendTemplate#HOST_VARIABLE} promises, even if the
     * regex has a group of that name. A group that did not take part in the match is left out, so a template using
     * it expands to an invalid host and is refused rather than silently routed elsewhere.
     */
    private static Map<String, String> regexVariables(HostPattern.Regex regex, Matcher matcher, String host) {
        Map<String, String> variables = new HashMap<>();
        for (String group : regex.groupNames()) {
            String value;
            try {
                value = matcher.group(group);
            } catch (IllegalArgumentException notAGroup) {
                // The loader finds group names by scanning the regex source, which can mistake quoted text
                // (\Q(?<x>\E) for a group; Java 17 offers no list of the real ones.
                continue;
            }
            if (value != null) {
                variables.put(group, value);
            }
        }
        variables.put(BackendTemplate.HOST_VARIABLE, host);
        return variables;
    }
}
