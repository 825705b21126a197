#!/usr/bin/env python3
# Generates etc/grafana/authcorrd-dashboard.json; edit the panels here, then run
#   python3 tools/grafana/generate_dashboard.py etc/grafana/authcorrd-dashboard.json
# (a maintainer tool: the tests read only the generated JSON).
import json, sys

DS = {"type": "prometheus", "uid": "${datasource}"}
S = 'job=~"$job", instance=~"$instance"'
RI = '$__rate_interval'

panels = []
next_id = [1]
y = [0]

def pid():
    i = next_id[0]; next_id[0] += 1; return i

def row(title):
    panels.append({"type": "row", "title": title, "id": pid(), "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1

def target(expr, legend="", ref="A", instant=False, fmt=None):
    t = {"datasource": DS, "refId": ref, "expr": expr, "legendFormat": legend or "__auto",
         "range": not instant, "instant": instant, "editorMode": "code"}
    if fmt: t["format"] = fmt
    return t

def targets(*items):
    out = []
    for i, it in enumerate(items):
        if isinstance(it, dict):
            it = dict(it); it["refId"] = chr(ord('A') + i); out.append(it)
    return out

def base(kind, title, desc, gp, tlist, unit=None, extra_defaults=None, options=None, min0=True):
    defaults = {}
    if unit: defaults["unit"] = unit
    if extra_defaults: defaults.update(extra_defaults)
    p = {"type": kind, "title": title, "description": desc, "id": pid(), "datasource": DS,
         "gridPos": gp, "targets": tlist, "fieldConfig": {"defaults": defaults, "overrides": []},
         "options": options or {}}
    return p

def ts(title, desc, gp, tlist, unit="short", stack=False, thresholds_line=None, min0=True, legend_table=False, no_value=None):
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
              "spanNulls": False, "axisSoftMin": 0 if min0 else None,
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    if custom["axisSoftMin"] is None: del custom["axisSoftMin"]
    defaults = {"custom": custom, "color": {"mode": "palette-classic"}}
    if no_value is not None: defaults["noValue"] = no_value
    if thresholds_line is not None:
        custom["thresholdsStyle"] = {"mode": "line+area"}
        defaults["thresholds"] = {"mode": "absolute", "steps": [
            {"color": "transparent", "value": None}, {"color": "red", "value": thresholds_line}]}
    p = base("timeseries", title, desc, gp, tlist, unit, defaults, {
        "legend": {"displayMode": "table" if legend_table else "list", "placement": "bottom", "showLegend": True,
                   **({"calcs": ["lastNotNull", "max"]} if legend_table else {})},
        "tooltip": {"mode": "multi", "sort": "desc"}})
    panels.append(p)

def stat(title, desc, gp, tlist, unit="short", mappings=None, steps=None, text_mode="auto", graph="none", no_value=None, decimals=None):
    defaults = {"mappings": mappings or [], "color": {"mode": "thresholds"},
                "thresholds": {"mode": "absolute", "steps": steps or [{"color": "green", "value": None}]}}
    if no_value is not None: defaults["noValue"] = no_value
    if decimals is not None: defaults["decimals"] = decimals
    p = base("stat", title, desc, gp, tlist, unit, defaults, {
        "colorMode": "value", "graphMode": graph, "justifyMode": "auto", "orientation": "auto",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "textMode": text_mode})
    panels.append(p)

def bargauge(title, desc, gp, tlist, unit="short"):
    p = base("bargauge", title, desc, gp, tlist, unit, {
        "color": {"mode": "continuous-GrYlRd"}, "min": 0,
        "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}]}}, {
        "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True,
        "valueMode": "color", "namePlacement": "auto", "minVizWidth": 0, "minVizHeight": 10,
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}})
    panels.append(p)

def gp(x, w, h, dy=0):
    return {"x": x, "y": y[0] + dy, "w": w, "h": h}

updown = lambda ok, bad: [{"type": "value", "options": {
    "0": {"text": bad, "color": "red", "index": 0}, "1": {"text": ok, "color": "green", "index": 1}}}]
red_if_zero = [{"color": "red", "value": None}, {"color": "green", "value": 1}]

# ------------------------------------------------------------------ overview
row("Overview")
stat("Up", "Whether Prometheus can scrape each authcorrd instance (the up series of the scrape job).",
     gp(0, 4, 4), targets(target(f'up{{{S}}}', "{{instance}}")), mappings=updown("Up", "Down"), steps=red_if_zero)
stat("Ready", "authcorrd_ready: 1 when /readyz answers 200 (store open, every configured source running).",
     gp(4, 4, 4), targets(target(f'authcorrd_ready{{{S}}}', "{{instance}}")), mappings=updown("Ready", "Not ready"), steps=red_if_zero)
stat("Version", "authcorrd_build_info: the version each instance runs.",
     gp(8, 4, 4), targets(target(f'authcorrd_build_info{{{S}}}', "{{version}}", instant=True)), text_mode="name")
stat("Alerts in range", "Security alerts emitted (authcorrd_alerts_total) during the dashboard's time range, all types and severities.",
     gp(12, 4, 4), targets(target(f'sum(increase(authcorrd_alerts_total{{{S}}}[$__range]))', "alerts", instant=True)), decimals=0)
stat("High/critical alerts in range", "Alerts of severity high or critical during the dashboard's time range.",
     gp(16, 4, 4), targets(target(f'sum(increase(authcorrd_alerts_total{{{S}, severity=~"high|critical"}}[$__range]))', "high/critical", instant=True)),
     steps=[{"color": "green", "value": None}, {"color": "orange", "value": 1}, {"color": "red", "value": 6}], decimals=0)
MFA_RANGE = (f'(sum(increase(authcorrd_correlator_logins_total{{{S}, mfa="without_mfa"}}[$__range]))'
             f' or 0 * sum(increase(authcorrd_correlator_logins_total{{{S}}}[$__range])))'
             f' / (sum(increase(authcorrd_correlator_logins_total{{{S}}}[$__range])) > 0)')
stat("MFA bypass ratio in range", "Share of successful Auth0 logins that completed without MFA during the dashboard's time range: without_mfa / (with_mfa + without_mfa) of authcorrd_correlator_logins_total.",
     gp(20, 4, 4), targets(target(MFA_RANGE, "without MFA", instant=True)), unit="percentunit",
     steps=[{"color": "green", "value": None}, {"color": "orange", "value": 0.1}, {"color": "red", "value": 0.5}])
y[0] += 4

# ------------------------------------------------------------------ security
row("Security")
ts("Alerts by type and severity", "Security alerts emitted per minute (authcorrd_alerts_total), by alert type and severity.",
   gp(0, 12, 8), targets(target(f'60 * sum by (type, severity) (rate(authcorrd_alerts_total{{{S}}}[{RI}]))', "{{type}} ({{severity}})")),
   unit="suffix:/min", stack=True)
ts("High and critical alert rate", "High and critical alerts per minute. The red line is the AuthcorrdHighSeverityAlertBurst threshold (more than 5 in 10 minutes = 0.5/min).",
   gp(12, 12, 8), targets(target(f'60 * sum by (severity) (rate(authcorrd_alerts_total{{{S}, severity=~"high|critical"}}[{RI}]))', "{{severity}}")),
   unit="suffix:/min", thresholds_line=0.5)
y[0] += 8

# ------------------------------------------------------------------ threat alerts
row("Threat alerts by type and severity")
bargauge("Alerts by type in range", "Alerts of each type during the dashboard's time range: correlated_security_event, failed_login_burst, high_risk_login, medium_risk_login, device_compromise, session_hijacking, unusual_activity.",
         gp(0, 8, 8), targets(target(f'sum by (type) (increase(authcorrd_alerts_total{{{S}}}[$__range]))', "{{type}}", instant=True)))
bargauge("Alerts by severity in range", "Alerts of each severity (low, medium, high, critical) during the dashboard's time range.",
         gp(8, 8, 8), targets(target(f'sum by (severity) (increase(authcorrd_alerts_total{{{S}}}[$__range]))', "{{severity}}", instant=True)))
tbl = base("table", "Alerts by type and severity in range", "Count of alerts per (type, severity) during the dashboard's time range.",
           gp(16, 8, 8), targets(target(f'sort_desc(sum by (type, severity) (increase(authcorrd_alerts_total{{{S}}}[$__range])))', "", instant=True, fmt="table")),
           None, {"decimals": 0, "custom": {"align": "auto"}}, {"showHeader": True, "cellHeight": "sm",
                                                                  "sortBy": [{"displayName": "alerts", "desc": True}]})
tbl["transformations"] = [{"id": "organize", "options": {"excludeByName": {"Time": True},
                                                          "renameByName": {"Value": "alerts"}}}]
panels.append(tbl)
y[0] += 8

# ------------------------------------------------------------------ user activity
row("User activity")
stat("Tracked users", "Users in the correlator's in-memory index (authcorrd_correlator_users).",
     gp(0, 4, 4), targets(target(f'sum(authcorrd_correlator_users{{{S}}})', "users")), graph="area")
stat("Active sessions", "Relock sessions in the index (authcorrd_correlator_sessions).",
     gp(4, 4, 4), targets(target(f'sum(authcorrd_correlator_sessions{{{S}}})', "sessions")), graph="area")
stat("Trusted devices", "Devices whose newest Relock signal is a success within device_trust_ttl (authcorrd_correlator_trusted_devices).",
     gp(8, 4, 4), targets(target(f'sum(authcorrd_correlator_trusted_devices{{{S}}})', "trusted devices")), graph="area")
stat("Logins per minute", "Successful Auth0 logins per minute, with and without MFA.",
     gp(0, 4, 4, 4), targets(target(f'60 * sum(rate(authcorrd_correlator_logins_total{{{S}}}[{RI}]))', "logins")), unit="suffix:/min", graph="area")
stat("Failed logins per minute", "Failed Auth0 logins per minute (authcorrd_correlator_login_failures_total).",
     gp(4, 4, 4, 4), targets(target(f'60 * sum(rate(authcorrd_correlator_login_failures_total{{{S}}}[{RI}]))', "failed logins")), unit="suffix:/min", graph="area")
stat("Failed device verifications per minute", "Relock device verifications that failed, per minute.",
     gp(8, 4, 4, 4), targets(target(f'60 * sum(rate(authcorrd_correlator_device_verifications_total{{{S}, result="failure"}}[{RI}]))', "failed verifications")),
     unit="suffix:/min", graph="area")
ts("Users, sessions and trusted devices", "Size of the correlator's view of the population over time.",
   gp(12, 12, 8), targets(target(f'sum(authcorrd_correlator_users{{{S}}})', "tracked users"),
                          target(f'sum(authcorrd_correlator_sessions{{{S}}})', "active sessions"),
                          target(f'sum(authcorrd_correlator_trusted_devices{{{S}}})', "trusted devices")))
y[0] += 8
ts("Logins by MFA outcome", "Successful Auth0 logins per minute by MFA outcome (authcorrd_correlator_logins_total{mfa}).",
   gp(0, 8, 8), targets(target(f'60 * sum by (mfa) (rate(authcorrd_correlator_logins_total{{{S}}}[{RI}]))', "{{mfa}}")), unit="suffix:/min", stack=True)
ts("Failed logins", "Failed Auth0 logins per minute (fp, fu, fc, ... as listed in docs/detections.md).",
   gp(8, 8, 8), targets(target(f'60 * sum(rate(authcorrd_correlator_login_failures_total{{{S}}}[{RI}]))', "failed logins")), unit="suffix:/min")
ts("Device verifications by result", "Relock authentication.* events per minute by result (authcorrd_correlator_device_verifications_total{result}).",
   gp(16, 8, 8), targets(target(f'60 * sum by (result) (rate(authcorrd_correlator_device_verifications_total{{{S}}}[{RI}]))', "{{result}}")), unit="suffix:/min")
y[0] += 8

# ------------------------------------------------------------------ risk and MFA
row("Risk and MFA")
hm = base("heatmap", "Login risk score distribution", "Risk scores of assessed logins per time slice (authcorrd_correlator_login_risk_score buckets of 10 points). Medium risk starts at 40, high at 70 by default.",
          gp(0, 12, 9), targets(target(f'sum by (le) (increase(authcorrd_correlator_login_risk_score_bucket{{{S}}}[{RI}]))', "{{le}}", fmt="heatmap")),
          None, {"custom": {"scaleDistribution": {"type": "linear"}, "hideFrom": {"legend": False, "tooltip": False, "viz": False}}}, {
              "calculate": False, "cellGap": 1, "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "short", "axisLabel": "risk score"},
              "rowsFrame": {"layout": "auto"}, "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64, "fill": "dark", "exponent": 0.5, "scale": "exponential", "reverse": False},
              "filterValues": {"le": 1e-9}, "legend": {"show": True}, "tooltip": {"show": True, "yHistogram": False},
              "cellValues": {"unit": "short"}, "exemplars": {"color": "rgba(255,0,255,0.7)"}, "showValue": "never"})
panels.append(hm)
bargauge("Risk scores in range", "Assessed logins per risk-score bucket (upper bound) during the dashboard's time range.",
         gp(12, 6, 9), targets(target(f'sum by (le) (increase(authcorrd_correlator_login_risk_score_bucket{{{S}}}[$__range]))', "≤ {{le}}", instant=True, fmt="heatmap")))
ts("Risk score quantiles", "Median and 90th percentile of login risk scores (interpolated within 10-point buckets).",
   gp(18, 6, 9), targets(target(f'histogram_quantile(0.5, sum by (le) (rate(authcorrd_correlator_login_risk_score_bucket{{{S}}}[{RI}])))', "p50"),
                         target(f'histogram_quantile(0.9, sum by (le) (rate(authcorrd_correlator_login_risk_score_bucket{{{S}}}[{RI}])))', "p90")))
y[0] += 9
MFA_RATE = (f'(sum(rate(authcorrd_correlator_logins_total{{{S}, mfa="without_mfa"}}[{RI}]))'
            f' or 0 * sum(rate(authcorrd_correlator_logins_total{{{S}}}[{RI}])))'
            f' / (sum(rate(authcorrd_correlator_logins_total{{{S}}}[{RI}])) > 0)')
ts("MFA bypass ratio", "Share of successful Auth0 logins without MFA: without_mfa / (with_mfa + without_mfa). Same formula as the recording rule job:authcorrd_mfa_bypass:ratio_rate5m; no value while there are no logins.",
   gp(0, 24, 7), targets(target(MFA_RATE, "without MFA")), unit="percentunit")
panels[-1]["fieldConfig"]["defaults"]["max"] = 1
y[0] += 7

# ------------------------------------------------------------------ operations: sources
row("Operations: sources and ingest")
ts("Source lag", "Arrival time minus event time of the newest event of each source's latest batch (authcorrd_source_lag_seconds). AuthcorrdSourceLagging fires above 10 minutes.",
   gp(0, 8, 8), targets(target(f'max by (source) (authcorrd_source_lag_seconds{{{S}}})', "{{source}}")), unit="s", thresholds_line=600)
ts("Ingest rate by source", "Events parsed per second by source (auth0, relock) and path (push, pull), duplicates included.",
   gp(8, 8, 8), targets(target(f'sum by (source, path) (rate(authcorrd_ingest_events_total{{{S}}}[{RI}]))', "{{source}} {{path}}")), unit="ops", stack=True)
ts("Ingest problems", "Per second: duplicates dropped at ingest, unreadable items, late events (older than the retained window: journaled, not correlated), Relock events authcorrd does not use, and events the correlator dropped by reason.",
   gp(16, 8, 8), targets(target(f'sum by (source) (rate(authcorrd_ingest_duplicate_events_total{{{S}}}[{RI}]))', "duplicate {{source}}"),
                         target(f'sum by (source) (rate(authcorrd_ingest_parse_errors_total{{{S}}}[{RI}]))', "parse error {{source}}"),
                         target(f'sum by (source) (rate(authcorrd_ingest_late_events_total{{{S}}}[{RI}]))', "late {{source}}"),
                         target(f'sum(rate(authcorrd_ingest_relock_unknown_events_total{{{S}}}[{RI}]))', "unknown relock event"),
                         target(f'sum by (reason) (rate(authcorrd_correlator_events_dropped_total{{{S}}}[{RI}]))', "dropped {{reason}}")),
   unit="ops", legend_table=True)
y[0] += 8
ts("Poll requests by outcome", "Auth0 and Relock poll requests per second by outcome (ok, empty, rate_limited, server_error, ...), and Auth0 token requests.",
   gp(0, 8, 8), targets(target(f'sum by (poller, outcome) (rate(authcorrd_poller_requests_total{{{S}}}[{RI}]))', "{{poller}} {{outcome}}"),
                        target(f'sum by (outcome) (rate(authcorrd_poller_token_requests_total{{{S}}}[{RI}]))', "token {{outcome}}")), unit="reqps")
ts("Time since last successful poll", "Seconds since each poller's last successful request. AuthcorrdPollerStale fires above 5 minutes.",
   gp(8, 8, 8), targets(target(f'time() - max by (poller) (authcorrd_poller_last_success_timestamp_seconds{{{S}}})', "{{poller}}")), unit="s", thresholds_line=300)
stat("Pollers up", "authcorrd_poller_up: 1 when the poller's last request succeeded.",
     gp(16, 8, 8), targets(target(f'min by (poller) (authcorrd_poller_up{{{S}}})', "{{poller}}")), mappings=updown("Up", "Failing"), steps=red_if_zero)
y[0] += 8

# ------------------------------------------------------------------ operations: HTTP and alert delivery
row("Operations: HTTP and alert delivery")
ts("HTTP requests by route and code", "Requests answered per second by route and status code (/ingest/auth0, /ingest/relock, /metrics, /healthz, /readyz, other).",
   gp(0, 12, 8), targets(target(f'sum by (route, code) (rate(authcorrd_http_requests_total{{{S}}}[{RI}]))', "{{route}} {{code}}")), unit="reqps")
ts("HTTP latency p99 by route", "99th percentile of the time from a complete request header to the response written.",
   gp(12, 12, 8), targets(target(f'histogram_quantile(0.99, sum by (route, le) (rate(authcorrd_http_request_duration_seconds_bucket{{{S}}}[{RI}])))', "{{route}}")), unit="s")
y[0] += 8
ts("Webhook deliveries by result", "Webhook delivery attempts per second by sink and result: delivered (2xx), failed, throttled (429/503), gone (410), dead_lettered.",
   gp(0, 8, 8), targets(target(f'sum by (sink, result) (rate(authcorrd_webhook_deliveries_total{{{S}}}[{RI}]))', "{{sink}} {{result}}")), unit="ops")
ts("Webhook delivery latency p99", "99th percentile duration of one webhook delivery attempt, by sink.",
   gp(8, 8, 8), targets(target(f'histogram_quantile(0.99, sum by (sink, le) (rate(authcorrd_webhook_delivery_duration_seconds_bucket{{{S}}}[{RI}])))', "{{sink}}")), unit="s")
stat("Webhook endpoints", "authcorrd_webhook_endpoint_enabled: 0 after the receiver answered 410 Gone (re-enable with `authcorrd outbox retry --sink NAME`).",
     gp(16, 8, 8), targets(target(f'min by (sink) (authcorrd_webhook_endpoint_enabled{{{S}}})', "{{sink}}")), mappings=updown("Enabled", "Disabled (410)"), steps=red_if_zero)
y[0] += 8
ts("Webhook outbox depth", "Deliveries waiting in each webhook sink's outbox. AuthcorrdWebhookOutboxGrowing fires above 100 and growing.",
   gp(0, 8, 8), targets(target(f'max by (sink) (authcorrd_webhook_outbox_depth{{{S}}})', "{{sink}}")))
ts("Oldest pending delivery", "Age of the oldest delivery in each outbox. AuthcorrdWebhookOutboxStale fires above 15 minutes.",
   gp(8, 8, 8), targets(target(f'max by (sink) (authcorrd_webhook_outbox_oldest_age_seconds{{{S}}})', "{{sink}}")), unit="s", thresholds_line=900)
ts("Dead letters and outbox overflow", "Deliveries given up on (dead letters, per sink) and deliveries moved to the dead letters because the outbox held max_outbox, per interval.",
   gp(16, 8, 8), targets(target(f'max by (sink) (authcorrd_webhook_dead_letters{{{S}}})', "dead letters {{sink}}"),
                         target(f'sum by (sink) (increase(authcorrd_webhook_outbox_overflow_total{{{S}}}[{RI}]))', "overflow {{sink}}")))
y[0] += 8
ts("Alertmanager posts by result", "POSTs to each Alertmanager sink's /api/v2/alerts per second, ok or error.",
   gp(0, 8, 8), targets(target(f'sum by (sink, result) (rate(authcorrd_alertmanager_posts_total{{{S}}}[{RI}]))', "{{sink}} {{result}}")), unit="reqps")
ts("Alertmanager active alerts", "Alerts each Alertmanager sink currently keeps active (re-sent every resend_interval until resolved).",
   gp(8, 8, 8), targets(target(f'max by (sink) (authcorrd_alertmanager_active_alerts{{{S}}})', "{{sink}}")))
ts("File and stdout sink errors", "Failed deliveries to file and stdout sinks per second (the alert stays undelivered and is retried), and alerts regenerated after a restart that were not sent again.",
   gp(16, 8, 8), targets(target(f'sum by (sink) (rate(authcorrd_sink_errors_total{{{S}}}[{RI}]))', "{{sink}} errors"),
                         target(f'sum(rate(authcorrd_alerts_repeated_total{{{S}}}[{RI}]))', "repeated (not re-sent)")), unit="ops")
y[0] += 8

# ------------------------------------------------------------------ operations: state
row("Operations: state and memory")
ts("Index size", "Entries in the correlator's in-memory index: events and interned strings (authcorrd_correlator_index_entries).",
   gp(0, 8, 8), targets(target(f'max by (kind) (authcorrd_correlator_index_entries{{{S}}})', "{{kind}}")))
ts("Evictions", "Index entries evicted per second because a memory bound (max_users, max_events_per_user, max_sessions_per_user) was reached: detections may miss history.",
   gp(8, 8, 8), targets(target(f'sum by (kind) (rate(authcorrd_correlator_evictions_total{{{S}}}[{RI}]))', "{{kind}}")), unit="ops")
ts("Store rows", "Rows in the SQLite state file by table (journal, alerts, alerts_undelivered), refreshed every minute.",
   gp(16, 8, 8), targets(target(f'max by (table) (authcorrd_store_rows{{{S}}})', "{{table}}")))
y[0] += 8
ts("Journal transaction p99", "99th percentile duration of one journal transaction (a push body or a pulled page) in SQLite.",
   gp(0, 12, 7), targets(target(f'histogram_quantile(0.99, sum by (le) (rate(authcorrd_store_journal_duration_seconds_bucket{{{S}}}[{RI}])))', "p99")), unit="s")
ts("Ready and up", "authcorrd_ready and Prometheus' up per instance over time.",
   gp(12, 12, 7), targets(target(f'min by (instance) (authcorrd_ready{{{S}}})', "ready {{instance}}"),
                          target(f'min by (instance) (up{{{S}}})', "up {{instance}}")))
panels[-1]["fieldConfig"]["defaults"]["max"] = 1
y[0] += 7

variables = [
    {"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
     "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False},
    {"type": "query", "name": "job", "label": "Job", "datasource": DS,
     "definition": "label_values(authcorrd_ready, job)",
     "query": {"query": "label_values(authcorrd_ready, job)", "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
     "current": {}, "hide": 0, "includeAll": True, "allValue": ".+", "multi": True, "options": [], "refresh": 2, "regex": "", "sort": 1, "skipUrlSync": False},
    {"type": "query", "name": "instance", "label": "Instance", "datasource": DS,
     "definition": 'label_values(authcorrd_ready{job=~"$job"}, instance)',
     "query": {"query": 'label_values(authcorrd_ready{job=~"$job"}, instance)', "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
     "current": {}, "hide": 0, "includeAll": True, "allValue": ".+", "multi": True, "options": [], "refresh": 2, "regex": "", "sort": 1, "skipUrlSync": False},
]

kinds = sorted({p["type"] for p in panels if p["type"] != "row"})
names = {"timeseries": "Time series", "stat": "Stat", "bargauge": "Bar gauge", "heatmap": "Heatmap", "table": "Table"}
dash = {
    "__inputs": [],
    "__elements": {},
    "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.4.0"},
                   {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}] +
                  [{"type": "panel", "id": k, "name": names[k], "version": ""} for k in kinds],
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                              "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
    "title": "authcorrd",
    "description": "authcorrd: authentication threat alerts, user activity, risk scores and the daemon's health. See docs/observability.md.",
    "uid": "authcorrd",
    "id": None,
    "version": 1,
    "editable": True,
    "fiscalYearStartMonth": 0,
    "graphTooltip": 1,
    "links": [],
    "liveNow": False,
    "tags": ["authcorrd", "security", "auth0", "relock"],
    "timezone": "",
    "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "timepicker": {},
    "weekStart": "",
    "schemaVersion": 39,
    "templating": {"list": variables},
    "panels": panels,
}
json.dump(dash, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
open(sys.argv[1], "a").write("\n")
print(len([p for p in panels if p["type"] != "row"]), "panels", sum(len(p.get("targets", [])) for p in panels), "targets")
