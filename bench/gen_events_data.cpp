// gen_events_data: definitions of the static tables declared in gen_events_data.hpp, and the
// IP-to-place lookup.
#include "gen_events_data.hpp"

#include <cstdint>

namespace gen_events {

const std::array<client_info, 4> k_clients = {{
    {"kQ7tXw2RzL9mB4nV8cJ3hF6yD1sG5aPe", "Acme Web Portal", k_custom_host,
     "https://portal.acme-corp.example/", 0.60},
    {"M3pZr8TqW1xK6vN9bL4cH7yJ2dF5gS0a", "Acme Mobile", k_tenant_host,
     "com.acmecorp.mobile://login-callback", 0.25},
    {"Vb5nC2xZ8kL4jH7gF1dS9aQ3wE6rT0yU", "Acme Support Desk", k_custom_host,
     "https://support.acme-corp.example/", 0.10},
    {"Hn4Jd8Ks2Lq6Pw0Rt3Yv7Bx1Cz5Mf9Ga", "Acme Partner Dashboard", k_tenant_host,
     "https://partners.acme-corp.example/", 0.05},
}};

const connection_info k_database = {"Username-Password-Authentication", "con_Xq3LJ7pMtbW4Kd9e",
                                    "auth0", "database"};
const connection_info k_google = {"google-oauth2", "con_8vRkZ2nHs5YcPq1T", "google-oauth2",
                                  "social"};

const std::array<agent_info, 18> k_agents = {{
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "Windows PC", "desktop", "Windows 10", "Chrome"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36",
     "Windows PC", "desktop", "Windows 10", "Chrome"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     "Windows PC", "desktop", "Windows 11", "Edge"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Windows PC", "desktop", "Windows 10", "Firefox"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "MacBook", "desktop", "macOS 14.7", "Chrome"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1.1 Safari/605.1.15",
     "MacBook", "desktop", "macOS 15.1", "Safari"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
     "MacBook", "desktop", "macOS 14.6", "Firefox"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "Linux PC", "desktop", "Linux", "Chrome"},
    {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Linux PC",
     "desktop", "Ubuntu", "Firefox"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
     "iPhone", "mobile", "iOS 18.1.1", "Safari"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
     "iPhone", "mobile", "iOS 17.6.1", "Safari"},
    {"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Mobile/15E148 Safari/604.1",
     "iPad", "tablet", "iPadOS 18.1", "Safari"},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36",
     "Android phone", "mobile", "Android 14", "Chrome"},
    {"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.6723.107 Mobile Safari/537.36",
     "Galaxy S23", "mobile", "Android 14", "Chrome"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
     "iPhone", "mobile", "iOS 18.1", "Chrome"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Safari/537.36 OPR/115.0.0.0",
     "Windows PC", "desktop", "Windows 10", "Opera"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     "MacBook", "desktop", "macOS 15.1", "Edge"},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "Chromebook", "desktop", "ChromeOS", "Chrome"},
}};

// Clients seen during credential attacks.
const std::array<std::string_view, 5> k_attacker_agents = {{
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "okhttp/4.12.0",
}};

// Back-end HTTP clients exchanging authorization codes.
const std::array<std::string_view, 3> k_backend_agents = {{
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "Go-http-client/2.0",
    "axios/1.7.7",
}};
const std::array<std::string_view, 3> k_backend_ips = {
    {"34.201.17.88", "52.14.203.9", "3.120.55.17"}};

const std::array<place, 20> k_places = {{
    {"US", "New York", "America/New_York"},   {"US", "San Francisco", "America/Los_Angeles"},
    {"US", "Chicago", "America/Chicago"},     {"US", "Austin", "America/Chicago"},
    {"GB", "London", "Europe/London"},        {"DE", "Berlin", "Europe/Berlin"},
    {"FR", "Paris", "Europe/Paris"},          {"NL", "Amsterdam", "Europe/Amsterdam"},
    {"ES", "Madrid", "Europe/Madrid"},        {"IT", "Milan", "Europe/Rome"},
    {"PL", "Warsaw", "Europe/Warsaw"},        {"SE", "Stockholm", "Europe/Stockholm"},
    {"IE", "Dublin", "Europe/Dublin"},        {"CA", "Toronto", "America/Toronto"},
    {"BR", "Sao Paulo", "America/Sao_Paulo"}, {"MX", "Mexico City", "America/Mexico_City"},
    {"IN", "Bengaluru", "Asia/Kolkata"},      {"JP", "Tokyo", "Asia/Tokyo"},
    {"SG", "Singapore", "Asia/Singapore"},    {"AU", "Sydney", "Australia/Sydney"},
}};

// The same IP always maps to the same place (FNV-1a of the text).
const place& locate(std::string_view ip) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : ip) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return k_places[h % k_places.size()];
}

const std::array<std::string_view, 40> k_first_names = {{
    "maria", "james",  "li",     "sofia",  "ahmed", "emma",   "noah",   "olivia", "lucas",  "mia",
    "ethan", "chloe",  "arjun",  "yuki",   "lena",  "mateo",  "zara",   "oliver", "nina",   "diego",
    "sara",  "daniel", "priya",  "jonas",  "ava",   "samuel", "isabel", "kenji",  "fatima", "leo",
    "grace", "omar",   "hannah", "victor", "elena", "ryan",   "amira",  "felix",  "julia",  "tomas",
}};

const std::array<std::string_view, 40> k_last_names = {{
    "garcia", "smith",    "chen",    "rossi",  "khan",    "muller",   "johnson", "dubois",
    "silva",  "kowalski", "tanaka",  "nguyen", "patel",   "andersen", "brown",   "lopez",
    "kim",    "schmidt",  "moreau",  "costa",  "ivanova", "wilson",   "hassan",  "novak",
    "okafor", "larsen",   "fischer", "martin", "santos",  "yamada",   "walsh",   "berg",
    "romero", "weber",    "clarke",  "haddad", "nilsson", "reyes",    "murphy",  "singh",
}};

const std::array<std::string_view, 7> k_mail_domains = {{
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "acme-corp.example",
    "hotmail.com",
}};

const std::array<admin, 3> k_admins = {{
    {"google-oauth2|104857392018475610233", "Dana Okafor", "dana.okafor@acme-corp.example",
     "198.51.100.23", 4},
    {"google-oauth2|118204957730184526610", "Tom Berg", "tom.berg@acme-corp.example",
     "198.51.100.41", 0},
    {"auth0|65a1f3c29e4b7d0012c8a4f1", "Security Bot", "secops@acme-corp.example", "34.201.17.90",
     7},
}};

}  // namespace gen_events
