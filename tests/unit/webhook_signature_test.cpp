// Standard Webhooks signing: the specification's own test vector, key rotation, and every way a
// configured secret can be wrong.

#include <doctest/doctest.h>

#include <string>

#include "sinks/webhook_signature.hpp"

namespace authcorrd {
namespace {

std::string error_of(std::string_view secrets) {
  std::string error;
  CHECK_FALSE(parse_webhook_secrets(secrets, error));
  return error;
}

TEST_CASE("webhook signature: the Standard Webhooks test vector") {
  // From the specification's reference libraries.
  std::string error;
  const auto keys = parse_webhook_secrets("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", error);
  REQUIRE(keys);
  CHECK(keys->keys.size() == 1);
  CHECK(webhook_signature(*keys, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                          R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("webhook signature: every secret of a rotation signs") {
  std::string error;
  const auto keys = parse_webhook_secrets("  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n whsec_" +
                                              base64_encode(std::string(32, 'k')) + " ",
                                          error);
  REQUIRE(keys);
  REQUIRE(keys->keys.size() == 2);
  const std::string header = webhook_signature(*keys, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                               R"({"test": 2432232314})");
  CHECK(header.starts_with("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,"));
  CHECK(header.size() == 2 * 47 + 1);
}

TEST_CASE("webhook signature: bad secrets are refused without echoing them") {
  CHECK(error_of("") == "no secret given (expected \"whsec_<base64>\")");
  CHECK(error_of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == "secret 1 does not start with \"whsec_\"");
  CHECK(error_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_not*base64!") ==
        "secret 2: the part after \"whsec_\" is not valid base64");
  CHECK(error_of("whsec_c2hvcnQ=") ==
        "secret 1 decodes to 5 bytes; Standard Webhooks keys have 24 to 64");
  CHECK(error_of("whsec_" + base64_encode(std::string(65, 'x'))).find("65 bytes") !=
        std::string::npos);
  CHECK(error_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").find("not valid base64") !=
        std::string::npos);  // truncated
}

TEST_CASE("base64: round trip and strictness") {
  for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const std::string encoded = base64_encode(text);
    if (text.empty()) {
      CHECK(encoded.empty());
      continue;
    }
    CHECK(base64_decode(encoded) == text);
  }
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK_FALSE(base64_decode("Zm8"));
  CHECK_FALSE(base64_decode("Zm 8="));
  CHECK_FALSE(base64_decode("Z==="));
}

}  // namespace
}  // namespace authcorrd
