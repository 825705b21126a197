#include "daemon/run.hpp"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "daemon/clock.hpp"
#include "daemon/delivery/webhook_sender.hpp"
#include "daemon/http/server.hpp"
#include "daemon/log.hpp"
#include "daemon/metrics.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/routes.hpp"
#include "daemon/sources/auth0_poller.hpp"
#include "daemon/sources/relock_poller.hpp"
#include "daemon/store/store.hpp"
#include "sinks/alertmanager_sink.hpp"
#include "sinks/file_sink.hpp"
#include "sinks/stdout_sink.hpp"

namespace authcorrd {
namespace {

namespace asio = boost::asio;

// How long SIGTERM waits for requests in flight before closing anyway.
constexpr auto kShutdownGrace = std::chrono::seconds(5);

std::uint64_t monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(now.tv_nsec) / 1'000;
}

std::vector<std::unique_ptr<AlertSink>> make_sinks(const SinksConfig& config) {
  std::vector<std::unique_ptr<AlertSink>> sinks;
  for (const FileSinkConfig& file : config.files)
    sinks.push_back(std::make_unique<FileSink>(file.path));
  for (const StdoutSinkConfig& out : config.stdouts) {
    sinks.push_back(std::make_unique<StdoutSink>(out.pretty));
  }
  return sinks;
}

void write_ready_file(const std::string& path, const std::string& address, std::uint16_t port) {
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << fmt::format("{{\"listen\":\"{}:{}\",\"pid\":{}}}\n", host, port, ::getpid());
    if (!out) throw std::runtime_error("cannot write ready file " + path);
  }
  // Renamed into place so a reader never sees a half-written file.
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot write ready file " + path);
  }
}

// The running daemon: its parts, in construction order (destroyed in reverse).
class Daemon {
 public:
  Daemon(const Config& config, const RunOptions& options)
      : config_(config),
        options_(options),
        store_(Store::open(config.store.path,
                           StoreOptions{.synchronous_full = config.store.synchronous_full})),
        pipeline_(store_, make_all_sinks(), metrics_, wall_clock_ms,
                  PipelineOptions{.params = config.correlator,
                                  .alert_retention = config.store.alert_retention}),
        webhooks_(make_webhook_senders()),
        routes_(config, pipeline_, metrics_, [this] { return readiness(); }),
        server_(std::make_unique<http::Server>(io_, config.server, routes_, metrics_)),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        ticker_(io_) {
    signals_.add(SIGUSR1);
    attach_webhooks();
  }

  int run() {
    const auto started = std::chrono::steady_clock::now();
    const RebuildReport rebuilt = pipeline_.rebuild();
    log_info(
        "store {}: rebuilt the index from {} journaled event(s) in {:.2f} s; {} alert(s) "
        "regenerated, {} of them delivered now",
        config_.store.path, rebuilt.events,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        rebuilt.alerts_regenerated, rebuilt.alerts_delivered);

    server_->start();
    for (const auto& sender : webhooks_) {
      sender->start();
      log_info("webhook {}: delivering from the outbox", sender->name());
    }
    restore_alertmanager_alerts();
    for (AlertmanagerSink* manager : alertmanagers_) {
      manager->start();
      log_info("alertmanager {}: sending alerts", manager->name());
    }
    const std::uint16_t port = server_->port();
    log_info("listening on {}:{} (auth0 push {}, relock push {})", config_.server.address, port,
             config_.log_stream ? "on" : "off",
             config_.relock.webhook_secret.empty() ? "off" : "on");
    start_auth0_poller();
    start_relock_poller();
    wait_for_signal();
    asio::co_spawn(io_, tick_loop(), asio::detached);
    if (!options_.ready_file.empty()) {
      write_ready_file(options_.ready_file, config_.server.address, port);
    }
    metrics_.config_loaded(static_cast<double>(wall_clock_ms()) / 1000.0);
    std::uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
      asio::co_spawn(io_, watchdog_loop(std::chrono::microseconds(watchdog_usec / 2)),
                     asio::detached);
    }
    sd_notify(0, fmt::format("READY=1\n{}", status_line()).c_str());
    io_.run();
    log_info("stopped");
    return 0;
  }

 private:
  // The pipeline owns every synchronous sink; the daemon keeps the Alertmanager ones (their
  // background senders) to start, restore and stop them.
  std::vector<std::unique_ptr<AlertSink>> make_all_sinks() {
    return make_all_sinks(config_, alertmanagers_);
  }

  // Throws (e.g. an alert file that cannot be opened) before anything is in use.
  std::vector<std::unique_ptr<AlertSink>> make_all_sinks(
      const Config& config, std::vector<AlertmanagerSink*>& alertmanagers) {
    std::vector<std::unique_ptr<AlertSink>> sinks = make_sinks(config.sinks);
    for (AlertmanagerSinkConfig sink : config.sinks.alertmanagers) {
      // Like Prometheus' own generatorURL, point at the instance that generated the alert.
      if (sink.generator_url.empty()) sink.generator_url = default_generator_url();
      const std::string name = sink.name;
      AlertmanagerObserver observer{
          .on_post = [this, name](bool ok) { metrics_.alertmanager_post(name, ok); },
          .on_active = [this, name](std::size_t n) { metrics_.alertmanager_active(name, n); },
          .log_error = [](std::string_view message) { log_error("{}", message); },
          .log_info = [](std::string_view message) { log_info("{}", message); },
      };
      auto manager = std::make_unique<AlertmanagerSink>(
          io_, sink, config.correlator.suppression_period, wall_clock_ms, std::move(observer));
      alertmanagers.push_back(manager.get());
      sinks.push_back(std::move(manager));
    }
    return sinks;
  }

  std::string default_generator_url() const {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
      return fmt::format("http://localhost:{}/metrics", config_.server.port);
    }
    return fmt::format("http://{}:{}/metrics", host.data(), config_.server.port);
  }

  // Alerts recorded before this start that are still active go back to Alertmanager.
  void restore_alertmanager_alerts() {
    if (alertmanagers_.empty()) return;
    const TimeMs since = wall_clock_ms() - config_.correlator.suppression_period;
    std::size_t restored = 0;
    for (AlertRecord& record : store_.alerts_recorded_since(since)) {
      const AlertMessage message{record.id, record.type, {}, std::move(record.json), {}};
      for (AlertmanagerSink* manager : alertmanagers_) {
        try {
          if (manager->restore(message)) ++restored;
        } catch (const SinkError& error) {
          log_warn("alertmanager {}: alert {} not restored: {}", manager->name(), message.id,
                   error.what());
        }
      }
    }
    if (restored > 0) log_info("alertmanager: {} active alert(s) restored", restored);
  }

  std::vector<std::unique_ptr<WebhookSender>> make_webhook_senders() {
    std::vector<std::unique_ptr<WebhookSender>> senders;
    for (const WebhookSinkConfig& sink : config_.sinks.webhooks) {
      senders.push_back(std::make_unique<WebhookSender>(io_.get_executor(), sink, store_, metrics_,
                                                        wall_clock_ms));
    }
    return senders;
  }

  bool deliveries_in_flight() const {
    for (const auto& sender : webhooks_) {
      if (!sender->idle()) return true;
    }
    return false;
  }

  std::pair<bool, std::string> readiness() const {
    if (stopping_) return {false, "shutting down"};
    if (auth0_ && !auth0_->running()) return {false, "auth0 poller: " + auth0_->status()};
    if (relock_ && !relock_->running()) return {false, "relock poller: " + relock_->status()};
    return {true, {}};
  }

  asio::awaitable<void> tick_loop() {
    for (unsigned tick = 1; !stopping_; ++tick) {
      pipeline_.tick();
      metrics_.set_ready(readiness().first);
      if (tick % 10 == 0) sd_notify(0, status_line().c_str());
      std::erase_if(retired_, [](const auto& finished) { return finished(); });
      std::erase_if(retired_servers_,
                    [](const auto& server) { return server->open_connections() == 0; });
      ticker_.expires_after(std::chrono::seconds(1));
      co_await ticker_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      if (signal == SIGHUP) {
        if (!stopping_) reload();
        wait_for_signal();
        return;
      }
      if (signal == SIGUSR1) {
        log_info("signal {}: reopening alert files", signal);
        pipeline_.reopen_sinks();
        wait_for_signal();
        return;
      }
      begin_shutdown(signal);
    });
  }

  // SIGHUP: the new file is parsed and validated completely before anything changes; then
  // what can change at run time is swapped in (log level and format, ingest secrets, the risk
  // API, sinks) without touching the index, the outbox, the pollers or open connections.
  // Sections that need a restart keep their old values, with a warning.
  void reload() {
    sd_notify(0, fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading {}",
                             monotonic_usec(), options_.config_path)
                     .c_str());
    log_info("signal {}: reloading {} and reopening alert files", SIGHUP, options_.config_path);
    pipeline_.reopen_sinks();  // log rotation must work even when the new file is bad
    const double now_seconds = static_cast<double>(wall_clock_ms()) / 1000.0;
    bool applied = false;
    try {
      applied = apply_configuration();
    } catch (const std::exception& error) {
      // Never out of the signal handler: a reload problem must not stop the daemon.
      log_error("reload: {}", error.what());
    }
    if (!applied) {
      log_error("reload: still running on the previous configuration");
      metrics_.config_reload(false, now_seconds);
      sd_notify(0, "READY=1\nSTATUS=reload failed: still running on the previous configuration");
      return;
    }
    metrics_.config_reload(true, now_seconds);
    sd_notify(0, "READY=1\nSTATUS=running (configuration reloaded)");
  }

  // Reads and validates the file and prepares everything that can fail (new sinks, a new
  // listener) before anything changes; false (or an exception) leaves the old configuration
  // in use.
  bool apply_configuration() {
    ConfigLoad load = load_config_file(options_.config_path, process_environment());
    if (!load.config) {
      for (const ConfigError& error : load.errors)
        log_error("reload: {}", to_string(error));
      log_error("reload: {} error(s) in {}", load.errors.size(), options_.config_path);
      return false;
    }
    Config next = std::move(*load.config);
    const std::vector<std::string_view> restart_only = keep_restart_only_sections(next);

    const bool sinks_changed = !(next.sinks == config_.sinks);
    std::vector<AlertmanagerSink*> next_alertmanagers;
    std::vector<std::unique_ptr<AlertSink>> next_sinks;
    if (sinks_changed) next_sinks = make_all_sinks(next, next_alertmanagers);
    const bool server_changed = !(next.server == config_.server);
    if (server_changed && !replace_listener(next.server)) return false;

    // From here on nothing fails for configuration reasons.
    for (const std::string_view section : restart_only) {
      log_warn("reload: {} changed; the change takes effect at the next restart", section);
    }
    const bool auth0_changed = !(next.auth0_pull == config_.auth0_pull);
    RelockConfig relock_pull = next.relock;
    relock_pull.webhook_secret = config_.relock.webhook_secret;  // push only: not the poller's
    const bool relock_changed = !(relock_pull == config_.relock);
    const bool api_changed = !(next.api == config_.api) ||
                             !(next.log_stream == config_.log_stream) ||
                             !(next.relock.webhook_secret == config_.relock.webhook_secret);
    config_ = std::move(next);
    apply_log_settings();
    if (api_changed || server_changed) routes_.reconfigure(config_);
    if (sinks_changed) replace_sinks(std::move(next_sinks), std::move(next_alertmanagers));
    // A poller whose settings changed is stopped (its request in flight is cancelled) and a new
    // one starts from the checkpoint in the store; unchanged pollers keep their connections.
    if (auth0_changed) {
      retire(auth0_);
      start_auth0_poller();
    }
    if (relock_changed) {
      retire(relock_);
      start_relock_poller();
    }
    log_info("reload: configuration from {} in use{}{}{}", options_.config_path,
             sinks_changed ? "; sinks replaced" : "",
             api_changed ? "; secrets and API updated" : "",
             auth0_changed || relock_changed ? "; pollers restarted" : "");
    return true;
  }

  // [store] and [correlator] are bound to the state file (and the outbox in it) and to the
  // index, whose alerts must keep their ids: a reload keeps the old ones (and says so).
  // Returns the sections that changed (and were put back).
  std::vector<std::string_view> keep_restart_only_sections(Config& next) const {
    std::vector<std::string_view> changed;
    if (!(next.store == config_.store)) changed.push_back("[store]");
    next.store = config_.store;
    if (!(next.correlator == config_.correlator)) changed.push_back("[correlator]");
    next.correlator = config_.correlator;
    return changed;
  }

  std::size_t open_connections() const {
    std::size_t open = server_->open_connections();
    for (const auto& server : retired_servers_)
      open += server->open_connections();
    return open;
  }

  // A changed [server]: a new listener takes over; the old one stops accepting, and its
  // requests in flight are answered before their connections close. On the same address the old
  // listener has to close first; if the new one cannot bind, the old settings are restored and
  // the reload fails as a whole.
  bool replace_listener(const ServerConfig& wanted) {
    const ServerConfig& current = config_.server;
    const bool same_address =
        wanted.port != 0 && wanted.port == current.port && wanted.address == current.address;
    auto fresh = std::make_unique<http::Server>(io_, wanted, routes_, metrics_);
    if (same_address) server_->shutdown();
    try {
      fresh->start();
    } catch (const std::exception& error) {
      log_error("reload: {}", error.what());
      if (same_address) {
        auto again = std::make_unique<http::Server>(io_, current, routes_, metrics_);
        retired_servers_.push_back(std::move(server_));
        server_ = std::move(again);
        try {
          server_->start();
        } catch (const std::exception& again_error) {
          log_error(
              "reload: the previous listener cannot be reopened either ({}); no HTTP "
              "listener until the next restart",
              again_error.what());
        }
      }
      return false;
    }
    if (!same_address) server_->shutdown();
    retired_servers_.push_back(std::move(server_));
    server_ = std::move(fresh);
    log_info("reload: listening on {}:{}", wanted.address, server_->port());
    if (!options_.ready_file.empty()) {
      write_ready_file(options_.ready_file, wanted.address, server_->port());
    }
    return true;
  }

  void start_auth0_poller() {
    if (!config_.auth0_pull) return;
    auth0_ = std::make_unique<Auth0Poller>(io_.get_executor(), *config_.auth0_pull, pipeline_,
                                           metrics_, wall_clock_ms);
    auth0_->start();
    log_info("auth0 poller: pulling {}", config_.auth0_pull->base_url);
  }

  void start_relock_poller() {
    if (config_.relock.events_url.empty()) return;
    relock_ = std::make_unique<RelockPoller>(io_.get_executor(), config_.relock, pipeline_,
                                             metrics_, wall_clock_ms);
    relock_->start();
    log_info("relock poller: pulling {}", config_.relock.events_url);
  }

  // Stops a poller or webhook sender and keeps it until its loop has returned (the tick then
  // destroys it: its coroutine still refers to it until then).
  template <typename Stoppable>
  void retire(std::unique_ptr<Stoppable>& part) {
    if (!part) return;
    part->stop();
    retired_.push_back(
        [kept = std::shared_ptr<Stoppable>(std::move(part))] { return kept->finished(); });
  }

  void apply_log_settings() const {
    set_log_level(
        parse_log_level(options_.log_level.empty() ? config_.log.level : options_.log_level));
    set_log_format(config_.log.format == "json" ? LogFormat::json : LogFormat::text);
  }

  // Webhook senders whose settings did not change keep running; the others finish their
  // attempt in flight and are dropped (their outbox rows stay and are picked up by the new
  // sender of the same name). File, stdout and Alertmanager sinks are rebuilt.
  void replace_sinks(std::vector<std::unique_ptr<AlertSink>> sinks,
                     std::vector<AlertmanagerSink*> alertmanagers) {
    std::vector<std::unique_ptr<WebhookSender>> kept;
    for (auto& sender : webhooks_) {
      const auto& wanted = config_.sinks.webhooks;
      if (std::find(wanted.begin(), wanted.end(), sender->config()) != wanted.end()) {
        kept.push_back(std::move(sender));
      } else {
        retire(sender);
      }
    }
    for (const WebhookSinkConfig& sink : config_.sinks.webhooks) {
      const bool running =
          std::any_of(kept.begin(), kept.end(), [&](const auto& s) { return s->config() == sink; });
      if (running) continue;
      kept.push_back(std::make_unique<WebhookSender>(io_.get_executor(), sink, store_, metrics_,
                                                     wall_clock_ms));
      kept.back()->start();
      log_info("webhook {}: delivering from the outbox", sink.name);
    }
    webhooks_ = std::move(kept);
    attach_webhooks();

    for (AlertmanagerSink* manager : alertmanagers_)
      manager->stop();
    alertmanagers_ = std::move(alertmanagers);
    pipeline_.replace_sinks(std::move(sinks));
    restore_alertmanager_alerts();
    for (AlertmanagerSink* manager : alertmanagers_)
      manager->start();
  }

  void attach_webhooks() {
    std::vector<WebhookSender*> senders;
    for (const auto& sender : webhooks_)
      senders.push_back(sender.get());
    pipeline_.attach_webhooks(std::move(senders));
  }

  // The event loop proves it is alive: a loop stuck in one handler stops pinging and systemd
  // restarts the service after WatchdogSec.
  asio::awaitable<void> watchdog_loop(std::chrono::microseconds interval) {
    asio::steady_timer timer(io_);
    for (;;) {
      sd_notify(0, "WATCHDOG=1");
      timer.expires_after(interval);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  std::string status_line() const {
    return fmt::format(
        "STATUS=running: {} event(s) journaled and {} alert(s) since start, {} "
        "user(s) tracked",
        pipeline_.events_accepted(), pipeline_.alerts_emitted(),
        pipeline_.correlator().stats().tracked_users);
  }

  void begin_shutdown(int signal) {
    if (stopping_) {
      // A second SIGTERM/SIGINT: stop now, without waiting for requests in flight.
      log_warn("signal {} again: stopping at once", signal);
      io_.stop();
      return;
    }
    log_info("signal {}: shutting down", signal);
    sd_notify(0, "STOPPING=1");
    stopping_ = true;
    server_->shutdown();
    if (auth0_) auth0_->stop();
    if (relock_) relock_->stop();
    for (const auto& sender : webhooks_)
      sender->stop();
    ticker_.cancel();
    shutdown_deadline_ = std::chrono::steady_clock::now() + kShutdownGrace;
    wait_for_signal();
    asio::co_spawn(io_, drain(), asio::detached);
  }

  // Waits for requests and webhook deliveries in flight, then stops the loop. A delivery cut
  // off here stays in the outbox and is sent again (same webhook-id) after the restart.
  asio::awaitable<void> drain() {
    asio::steady_timer poll(io_);
    while ((open_connections() > 0 || deliveries_in_flight()) &&
           std::chrono::steady_clock::now() < shutdown_deadline_) {
      poll.expires_after(std::chrono::milliseconds(20));
      co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (open_connections() > 0) {
      log_warn("closing {} connection(s) still open after {} s", open_connections(),
               kShutdownGrace.count());
    }
    for (const auto& sender : webhooks_)
      sender->cancel();
    pipeline_.tick();
    io_.stop();
  }

  Config config_;  // the configuration in use (replaced by a successful reload)
  const RunOptions& options_;
  asio::io_context io_{1};
  DaemonMetrics metrics_;
  Store store_;
  std::vector<AlertmanagerSink*> alertmanagers_;  // owned by pipeline_
  IngestPipeline pipeline_;
  std::vector<std::unique_ptr<WebhookSender>> webhooks_;
  DaemonRoutes routes_;
  std::unique_ptr<http::Server> server_;
  // Listeners replaced by a reload, kept until their last connection has closed.
  std::vector<std::unique_ptr<http::Server>> retired_servers_;
  asio::signal_set signals_;
  asio::steady_timer ticker_;
  std::unique_ptr<Auth0Poller> auth0_;
  std::unique_ptr<RelockPoller> relock_;
  // Pollers and webhook senders replaced by a reload, each as "has its loop returned?" owning
  // the part; dropped (and the part destroyed) once that is true.
  std::vector<std::function<bool()>> retired_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point shutdown_deadline_;
};

}  // namespace

int run_daemon(const Config& config, const RunOptions& options) {
  set_log_level(parse_log_level(options.log_level.empty() ? config.log.level : options.log_level));
  set_log_format(config.log.format == "json" ? LogFormat::json : LogFormat::text);
  // A reader that went away (stdout sink into a closed pipe) must be an error, not a kill.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    Daemon daemon(config, options);
    return daemon.run();
  } catch (const std::exception& error) {
    log_error("cannot run: {}", error.what());
    return 1;
  }
}

}  // namespace authcorrd
