// Sends alerts to a Prometheus Alertmanager (POST <url>/api/v2/alerts) and keeps them there while
// they are active. Alertmanager forgets an alert that is not re-sent (and loses all of them when it
// restarts), so the sink keeps an in-memory set of active alerts and re-sends the whole set every
// resend_interval; a new alert is POSTed at once.
//
// One Alertmanager alert per label set {alertname=<type>, severity, user_id, source="authcorrd"}:
// labels are Alertmanager's identity of an alert, so two authcorrd alerts with the same labels
// that are active at once are merged (earliest startsAt, latest endsAt, newest annotations).
// startsAt is the alert's event time, endsAt the event time plus the correlator's suppression
// period (while a repeat would be suppressed the condition is taken as ongoing). An alert whose
// endsAt has passed is sent one last time, so Alertmanager sees it resolved, then dropped.
//
// Failures (connection refused, timeout, 5xx) never lose an active alert: the whole set is sent
// again after a short backoff (1 s doubling up to resend_interval) and at every resend; the first
// failure of an outage and the recovery are logged once each. A 4xx answer (Alertmanager rejected
// the payload) is logged and not retried faster than the resend.
//
// Threading and ownership: everything (constructor, deliver, restore, start, stop, destructor)
// runs on the one thread that runs the io_context given to the constructor. The background
// coroutine shares ownership of the sink's state, so destroying the sink (or the io_context) while
// a POST is in flight is safe; stop() ends the coroutine at its next suspension.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "correlator/event.hpp"
#include "daemon/config/config.hpp"
#include "sinks/sink.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace authcorrd {

// What the sink reports. sinks/ does not know the daemon's metrics registry or logger: the daemon
// wires these (DaemonMetrics::alertmanager_post / alertmanager_active, log_error / log_info).
// Every member may be empty. Called on the io_context's thread.
struct AlertmanagerObserver {
  std::function<void(bool ok)> on_post;               // after every POST (ok = 2xx answer)
  std::function<void(std::size_t active)> on_active;  // whenever the active set's size changes
  // Log lines, already naming the sink. Never contain alert contents or URL credentials.
  std::function<void(std::string_view message)> log_error;
  std::function<void(std::string_view message)> log_info;
};

class AlertmanagerSink final : public AlertSink {
 public:
  // Bound of the active set (memory is bounded whatever the input). When full, the alert that
  // ends first is dropped (logged once per overflow).
  static constexpr std::size_t kMaxActiveAlerts = 10000;
  // Alerts per POST body; a larger set is sent in several POSTs.
  static constexpr std::size_t kMaxAlertsPerPost = 500;

  // `suppression_period` is CorrelatorParams::suppression_period; `wall_clock` returns the UTC
  // time in milliseconds (the daemon's clock; tests pass their own). Throws SinkError when
  // config.url is not an http(s) URL. Sends nothing before start().
  AlertmanagerSink(boost::asio::io_context& io, AlertmanagerSinkConfig config,
                   TimeMs suppression_period, std::function<TimeMs()> wall_clock,
                   AlertmanagerObserver observer = {});
  ~AlertmanagerSink() override;  // stop()
  AlertmanagerSink(const AlertmanagerSink&) = delete;
  AlertmanagerSink& operator=(const AlertmanagerSink&) = delete;

  std::string_view kind() const override { return "alertmanager"; }

  // Adds the alert (if config.filter takes it) to the active set and wakes the sender, which
  // POSTs it at once (during an outage: with the next retry). Never blocks and never fails
  // because of Alertmanager. Throws SinkError when alert.json is not alert contract JSON (then
  // nothing is added or sent).
  void deliver(const AlertMessage& alert) override;

  // Whether the alert is in the active set (already taken).
  bool holds(std::string_view alert_id) override;

  // For alerts recorded before a restart: adds the alert to the active set when the filter takes
  // it and its endsAt is still in the future (returns true), else does nothing (false). Sent with
  // the first POST after start(). Throws SinkError on bad JSON like deliver().
  bool restore(const AlertMessage& alert);

  // Starts the background sender on the io_context: one POST of everything at once, then
  // re-sends every resend_interval. Call once.
  void start();

  // Cancels the sender and any POST in flight (SIGTERM). Active alerts are not resolved: their
  // endsAt is already in Alertmanager, and after a restart restore() re-adds them. Idempotent.
  void stop();

  std::size_t active() const noexcept;
  const std::string& name() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace authcorrd
