"""The queries of a Grafana dashboard, made concrete for Prometheus's HTTP API (used by e2e/prometheus.sh).

The template variables $instance, $listener and $backend become the regex .* (the dashboard's "All"),
$__rate_interval becomes 1m; a variable's label_values(METRIC, LABEL) becomes count by (LABEL) (METRIC).

  dashboard_queries.py check DASHBOARD PROMETHEUS_URL   evaluates every query; fails unless each returns data
                                                        (and unless panel ids are unique and every panel and
                                                        query uses the datasource variable)
  dashboard_queries.py expr DASHBOARD TITLE [REFID]     prints one panel's query (REFID defaults to A)
"""
import json
import re
import sys
import urllib.parse
import urllib.request


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def concrete(expr):
    expr = re.sub(r"\$(instance|listener|backend)\b", ".*", expr).replace("$__rate_interval", "1m")
    left = re.findall(r"\$(?!\{1\})\S*", expr)  # ${1} is label_replace's, not Grafana's
    if left:
        raise SystemExit(f"unsubstituted {left} in {expr}")
    return expr


def queries(dashboard):
    """(name, expr) for every panel target and every query variable."""
    for panel in panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            yield f'panel "{panel["title"]}" {target["refId"]}', concrete(target["expr"])
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            metric, label = re.fullmatch(r"label_values\((.+), (\w+)\)", variable["definition"]).groups()
            yield f'variable {variable["name"]}', concrete(f"count by ({label}) ({metric})")


def query(prometheus, expr):
    url = prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    if answer["status"] != "success":
        raise SystemExit(f"{answer} for {expr}")
    return answer["data"]["result"]


def importable(dashboard):
    """What an import needs of the JSON that no query shows: unique panel ids, every panel on the variable."""
    ids = [panel["id"] for panel in panels(dashboard["panels"])]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"panel ids repeat: {sorted(ids)}")
    for panel in panels(dashboard["panels"]):
        sources = [panel] + panel.get("targets", []) if panel["type"] != "row" else []
        if any(source["datasource"] != {"type": "prometheus", "uid": "${datasource}"} for source in sources):
            raise SystemExit(f'panel "{panel["title"]}" does not use the datasource variable')


def check(dashboard, prometheus):
    importable(dashboard)
    checks = list(queries(dashboard))
    empty = 0
    for name, expr in checks:
        result = query(prometheus, expr)
        print(f"     {len(result):3d} series  {name}")
        if not result:
            empty += 1
            print(f"     no data: {expr}")
    print(f"     {len(checks) - empty} of {len(checks)} queries returned data")
    return 1 if empty else 0


def main(argv):
    command, dashboard = argv[1], json.load(open(argv[2]))
    if command == "check":
        return check(dashboard, argv[3])
    if command == "expr":
        title, ref = argv[3], argv[4] if len(argv) > 4 else "A"
        for panel in panels(dashboard["panels"]):
            if panel["title"] == title:
                print(concrete(next(t["expr"] for t in panel["targets"] if t["refId"] == ref)))
                return 0
        raise SystemExit(f"no panel titled {title}")
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
