// gen_events_data: the static world of the synthetic tenant. Tenant and API names, the
// applications (clients), the two connections, browser user agents with their device details,
// attacker and back-end HTTP clients, places for IP geolocation, name and mail-domain pools and
// the dashboard administrators. The tables are defined in gen_events_data.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace gen_events {

inline constexpr std::string_view k_tenant = "acme-prod";
inline constexpr std::string_view k_tenant_host = "acme-prod.us.auth0.com";
inline constexpr std::string_view k_custom_host = "login.acme-corp.example";
inline constexpr std::string_view k_api_audience = "https://api.acme-corp.example/";
inline constexpr std::string_view k_mgmt_client_id = "Wq2Ez7Rt4Yu1Io9Pa6Sd3Fg8Hj5Kl0Zx";

struct client_info {
  std::string_view id;
  std::string_view name;
  std::string_view hostname;
  std::string_view app_url;  // return_to / redirect base
  double weight;
};

extern const std::array<client_info, 4> k_clients;

struct connection_info {
  std::string_view name;
  std::string_view id;
  std::string_view strategy;
  std::string_view strategy_type;
};

extern const connection_info k_database;
extern const connection_info k_google;

struct agent_info {
  std::string_view ua;
  std::string_view device;  // for Relock deviceInfo.name ("<first name>'s <device>")
  std::string_view type;
  std::string_view os;
  std::string_view browser;
};

extern const std::array<agent_info, 18> k_agents;
// Clients seen during credential attacks.
extern const std::array<std::string_view, 5> k_attacker_agents;
// Back-end HTTP clients exchanging authorization codes, and the servers they run on.
extern const std::array<std::string_view, 3> k_backend_agents;
extern const std::array<std::string_view, 3> k_backend_ips;

struct place {
  std::string_view country;
  std::string_view city;
  std::string_view timezone;
};

extern const std::array<place, 20> k_places;

// The same IP always maps to the same place (FNV-1a of the text).
const place& locate(std::string_view ip);

extern const std::array<std::string_view, 40> k_first_names;
extern const std::array<std::string_view, 40> k_last_names;
extern const std::array<std::string_view, 7> k_mail_domains;

// Administrators acting through the Management API (dashboard users and a bot).
struct admin {
  std::string_view id;
  std::string_view name;
  std::string_view email;
  std::string_view ip;
  std::size_t agent;
};

extern const std::array<admin, 3> k_admins;

}  // namespace gen_events
