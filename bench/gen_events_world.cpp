// gen_events_world: the generator's simulated population and network. Creating the users
// (ids, e-mails, home IP and browser, application, Relock enrolment), picking who acts, random
// IPv4/IPv6 addresses, where a request comes from (user or attacker), the delivery queue that
// makes a few lines arrive late, and Auth0 log ids.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "gen_events_data.hpp"
#include "gen_events_format.hpp"
#include "gen_events_model.hpp"

namespace gen_events {

generator::generator(const options& opts) : m_rng(opts.seed) {
  make_users(opts.users);
  for (int i = 0; i < 256; ++i)
    m_attacker_ips.push_back(random_ip());
}

void generator::make_users(u64 count) {
  m_users.resize(count);
  for (std::size_t i = 0; i < m_users.size(); ++i) {
    user& u = m_users[i];
    u.social = m_rng.chance(0.08);
    if (u.social) {
      u.identity = "1";
      append_random(u.identity, m_rng, "0123456789", 20);
      u.id = "google-oauth2|" + u.identity;
    } else {
      // ObjectId-like: creation second (2019..2024) then random bytes.
      const u64 created = 1546300800 + m_rng.below(6ULL * 365 * 86400);
      for (int shift = 28; shift >= 0; shift -= 4)
        u.identity += k_hex[(created >> shift) & 15];
      append_random(u.identity, m_rng, k_hex, 16);
      u.id = "auth0|" + u.identity;
    }
    u.first_name = m_rng.index(k_first_names.size());
    u.email = std::string(k_first_names[u.first_name]);
    u.email += m_rng.chance(0.7) ? '.' : '_';
    u.email += k_last_names[m_rng.index(k_last_names.size())];
    append_uint(u.email, i);
    u.email += '@';
    u.email += u.social ? std::string_view("gmail.com")
                        : k_mail_domains[m_rng.index(k_mail_domains.size())];
    u.ip = random_ip();
    u.agent = m_rng.index(k_agents.size());
    const double c = m_rng.unit();
    double acc = 0;
    u.client = k_clients.size() - 1;
    for (std::size_t k = 0; k < k_clients.size(); ++k) {
      acc += k_clients[k].weight;
      if (c < acc) {
        u.client = k;
        break;
      }
    }
    u.logins = m_rng.range(1, 400);
    u.relock = m_rng.chance(0.15);
    u.device = random_uuid(m_rng);
    if (u.relock) m_relock_users.push_back(i);
  }
  if (m_relock_users.empty()) m_relock_users.push_back(0);
}

user& generator::pick_user() {
  const double x = m_rng.unit();
  auto i = static_cast<std::size_t>(x * x * static_cast<double>(m_users.size()));
  return m_users[std::min(i, m_users.size() - 1)];
}

user& generator::pick_relock_user() {
  const double x = m_rng.unit();
  auto i = static_cast<std::size_t>(x * x * static_cast<double>(m_relock_users.size()));
  return m_users[m_relock_users[std::min(i, m_relock_users.size() - 1)]];
}

std::string generator::random_ip() {
  std::string ip;
  if (m_rng.chance(0.04)) {
    static constexpr std::array<std::string_view, 6> prefixes = {
        {"2a02:c7c:", "2600:1700:", "2a01:e0a:", "2406:da18:", "2001:56a:", "2a00:23c6:"}};
    ip = prefixes[m_rng.index(prefixes.size())];
    for (int g = 0; g < 6; ++g) {
      if (g > 0) ip += ':';
      ip += k_hex[1 + m_rng.index(15)];
      append_random(ip, m_rng, k_hex, 3);
    }
    return ip;
  }
  u64 a = 0;
  do {
    a = 1 + m_rng.below(223);
  } while (a == 10 || a == 100 || a == 127 || a == 169 || a == 172 || a == 192);
  append_uint(ip, a);
  ip += '.';
  append_uint(ip, m_rng.below(256));
  ip += '.';
  append_uint(ip, m_rng.below(256));
  ip += '.';
  append_uint(ip, 1 + m_rng.below(254));
  return ip;
}

origin generator::user_origin(user& u, bool allow_new_device) {
  origin o;
  const double r = m_rng.unit();
  if (r < 0.006) u.ip = random_ip();
  o.ip = (r >= 0.006 && r < 0.05) ? random_ip() : u.ip;
  const double s = m_rng.unit();
  o.agent = u.agent;
  if (allow_new_device && s < 0.006) {
    std::size_t next = m_rng.index(k_agents.size());
    if (next == u.agent) next = (next + 1) % k_agents.size();
    u.agent = next;
    o.agent = next;
    u.device = random_uuid(m_rng);
    o.new_device = true;
  } else if (s < 0.03) {
    o.agent = m_rng.index(k_agents.size());
  }
  o.ua = k_agents[o.agent].ua;
  return o;
}

origin generator::attacker_origin() {
  origin o;
  o.ip = m_attacker_ips[m_rng.index(m_attacker_ips.size())];
  o.ua = k_attacker_agents[m_rng.index(k_attacker_agents.size())];
  return o;
}

void generator::push(i64 time, std::string line) {
  i64 deliver = time;
  if (m_rng.chance(0.03)) deliver += m_rng.range(1000, 120000);
  m_queue.push_back({deliver, m_seq++, std::move(line)});
  std::push_heap(m_queue.begin(), m_queue.end(), later{});
}

std::string generator::log_id(i64 time) {
  std::string id;
  id.reserve(56);
  id += "900";
  append_compact(id, time + m_rng.range(0, 2500));
  append_padded(id, m_rng.below(1000000000000ULL), 12);
  append_padded(id, (m_ids++ * 387420489ULL + 123456789ULL) % 1000000000ULL, 9);
  append_padded(id, m_rng.below(1000000000000000000ULL), 18);
  return id;
}

}  // namespace gen_events
