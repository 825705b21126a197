// The interface every alert destination implements (file and stdout now; signed webhooks and
// Alertmanager later), and the message they receive: an alert already rendered in the alert
// contract JSON with its stable id, so every sink sends the same bytes for the same alert.
//
// Sinks are owned by the daemon's ingest pipeline and called on its I/O thread only.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace authcorrd {

struct AlertMessage {
  std::string id;        // stable alert id (alert_json.hpp alert_id)
  std::string type;      // "failed_login_burst", ...
  std::string severity;  // "low" | "medium" | "high" | "critical"
  std::string json;      // one line, no trailing newline
  std::string summary;   // one human-readable line; may be empty (then sinks show json)
};

class SinkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;

  // "file", "stdout", ...: the metric label and log name of the sink kind.
  virtual std::string_view kind() const = 0;

  // Delivers one alert; throws SinkError when it could not (the pipeline keeps the alert as
  // undelivered and tries again later).
  virtual void deliver(const AlertMessage& alert) = 0;

  // Whether an alert with this id already reached the sink. Asked only when re-delivering after
  // a crash between delivery and its bookkeeping, so a sink that can tell avoids a duplicate.
  virtual bool holds(std::string_view alert_id) { return alert_id.empty(); }

  // Reopens output files after log rotation (SIGHUP / SIGUSR1). Default: nothing to reopen.
  virtual void reopen() {}
};

}  // namespace authcorrd
