// Runs the real `authcorrd replay` binary as a process: output, merge by time, de-duplication,
// determinism, --stats, --strict and exit codes.
#include <doctest/doctest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("authcorrd-replay-test-" + std::to_string(::getpid()) + "-" + name);
}

// Runs a shell command line; stdout is captured, stderr too (through a file).
Run run_shell(const std::string& command_line) {
  const fs::path err_file = temp_path("stderr");
  const std::string command = command_line + " 2>" + err_file.string();
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_file(err_file);
  fs::remove(err_file);
  return run;
}

Run replay(const std::string& args) {
  return run_shell(std::string(AUTHCORRD_BINARY) + " replay " + args);
}

std::string data(const std::string& name) {
  return std::string(AUTHCORRD_TEST_DATA) + "/" + name;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

struct AlertLine {
  std::string id, type, severity, user, event_time;
};

AlertLine parse_alert(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE_MESSAGE(parser.parse(line).get(doc) == simdjson::SUCCESS, line);
  return {std::string(std::string_view(doc["id"])), std::string(std::string_view(doc["type"])),
          std::string(std::string_view(doc["severity"])),
          std::string(std::string_view(doc["user_id"])),
          std::string(std::string_view(doc["event_time"]))};
}

}  // namespace

TEST_CASE("replay over the scenario prints the expected alerts in event-time order") {
  const Run run = replay(data("scenario-auth0.jsonl") + " " + data("scenario-relock.jsonl"));
  CHECK_MESSAGE(run.exit_code == 0, run.err);
  const auto lines = lines_of(run.out);
  REQUIRE(lines.size() == 5);
  std::vector<AlertLine> alerts;
  for (const auto& line : lines)
    alerts.push_back(parse_alert(line));
  CHECK(alerts[0].type == "failed_login_burst");
  CHECK(alerts[0].user == "auth0|alice");
  CHECK(alerts[0].severity == "medium");
  CHECK(alerts[0].event_time == "2025-01-01T01:03:00.000Z");
  CHECK(alerts[1].type == "correlated_security_event");
  CHECK(alerts[1].user == "auth0|alice");
  CHECK(alerts[1].severity == "high");
  CHECK(alerts[1].event_time == "2025-01-01T01:03:20.000Z");
  CHECK(alerts[2].type == "medium_risk_login");
  CHECK(alerts[2].user == "auth0|bob");
  CHECK(lines[2].find(R"("risk":{"score":65,"level":"medium")") != std::string::npos);
  CHECK(alerts[3].type == "session_hijacking");
  CHECK(alerts[3].user == "auth0|carol");
  CHECK(alerts[3].severity == "critical");
  CHECK(alerts[4].type == "device_compromise");
  CHECK(alerts[4].user == "auth0|dave");
}

TEST_CASE("replay is deterministic and independent of file order") {
  const Run first = replay(data("scenario-auth0.jsonl") + " " + data("scenario-relock.jsonl"));
  const Run again = replay(data("scenario-auth0.jsonl") + " " + data("scenario-relock.jsonl"));
  const Run swapped =
      replay("--format auto " + data("scenario-relock.jsonl") + " " + data("scenario-auth0.jsonl"));
  CHECK(first.out == again.out);
  CHECK(first.out == swapped.out);
}

TEST_CASE("--stats counts events, duplicates, ignored Relock events and alerts on stderr") {
  const Run run =
      replay("--stats " + data("scenario-auth0.jsonl") + " " + data("scenario-relock.jsonl"));
  CHECK(run.exit_code == 0);
  CHECK(run.err.find("events_total{source=\"auth0\",kind=\"login_failure\"} 4\n") !=
        std::string::npos);
  CHECK(run.err.find("events_total{source=\"auth0\",kind=\"login_success\"} 3\n") !=
        std::string::npos);
  CHECK(run.err.find("events_total{source=\"relock\",kind=\"relock_security_alert\"} 1\n") !=
        std::string::npos);
  CHECK(run.err.find("duplicate_events_total 1\n") != std::string::npos);
  CHECK(run.err.find("ignored_relock_events_total 1\n") != std::string::npos);
  CHECK(run.err.find("parse_errors_total 0\n") != std::string::npos);
  CHECK(run.err.find("alerts_total{type=\"session_hijacking\"} 1\n") != std::string::npos);
  CHECK(run.err.find("late_events_total{source=\"auth0\"} 0\n") != std::string::npos);
}

TEST_CASE("parse errors: reported with file and line; fatal only with --strict") {
  const fs::path bad = temp_path("bad.jsonl");
  {
    std::ofstream out(bad);
    out << read_file(data("scenario-auth0.jsonl")).substr(0, 400) << "\n";  // line 1 ok, line 2 cut
  }
  const Run lenient = replay("--format auth0 " + bad.string());
  CHECK(lenient.exit_code == 0);
  CHECK(lenient.err.find(bad.string() + ":2: item 2: invalid JSON") != std::string::npos);

  const Run strict = replay("--strict --format auth0 " + bad.string());
  CHECK(strict.exit_code == 1);
  CHECK(strict.err.find(bad.string() + ":2:") != std::string::npos);
  CHECK(strict.out.empty());
  fs::remove(bad);
}

TEST_CASE("unreadable input and usage errors exit 2 with a message") {
  const Run missing = replay("/nonexistent/authcorrd.jsonl");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/nonexistent/authcorrd.jsonl: cannot read") != std::string::npos);

  const Run no_files = replay("");
  CHECK(no_files.exit_code == 2);
  const Run bad_format = replay("--format xml " + data("scenario-auth0.jsonl"));
  CHECK(bad_format.exit_code == 2);
  CHECK(bad_format.err.find("xml") != std::string::npos);
}

TEST_CASE("the real fixtures replay strictly") {
  const Run run =
      replay("--strict --format auth0 --stats " + std::string(AUTHCORRD_FIXTURES_DIR) +
             "/auth0/elastic/test-login-failure.jsonl " + std::string(AUTHCORRD_FIXTURES_DIR) +
             "/auth0/elastic/test-pull-responses.json");
  CHECK_MESSAGE(run.exit_code == 0, run.err);
  CHECK(run.err.find("parse_errors_total 0\n") != std::string::npos);
}

TEST_CASE("input variations: BOM, leading blank lines, a piped array") {
  const std::string lines = read_file(data("scenario-auth0.jsonl"));
  const Run reference = replay("--stats --format auth0 " + data("scenario-auth0.jsonl"));
  REQUIRE(reference.exit_code == 0);

  const fs::path bom = temp_path("bom.jsonl");
  std::ofstream(bom) << "\xEF\xBB\xBF" << lines;
  const Run with_bom = replay("--stats --format auth0 " + bom.string());
  CHECK(with_bom.out == reference.out);
  CHECK(with_bom.err == reference.err);

  const fs::path blank = temp_path("blank.jsonl");
  std::ofstream(blank) << "\n\n  \n" << lines;
  const Run with_blank = replay("--stats --format auth0 " + blank.string());
  CHECK(with_blank.out == reference.out);
  CHECK(with_blank.err == reference.err);

  // The same events as one JSON array, through a pipe.
  const fs::path array = temp_path("array.json");
  {
    std::ofstream out(array);
    out << "[\n";
    bool first = true;
    for (const std::string& line : lines_of(lines)) {
      out << (first ? "" : ",\n") << line;
      first = false;
    }
    out << "\n]\n";
  }
  const Run piped = run_shell("cat " + array.string() + " | " + std::string(AUTHCORRD_BINARY) +
                              " replay --stats --format auth0 /dev/stdin");
  CHECK_MESSAGE(piped.exit_code == 0, piped.err);
  CHECK(piped.out == reference.out);
  CHECK(piped.err == reference.err);
  for (const auto& path : {bom, blank, array})
    fs::remove(path);
}
