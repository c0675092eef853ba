// Reading typed fields from a JSON object with errors that name the file, the field and what was expected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultline/scenarios/scenario.h"

namespace faultline::scenarios::detail {

class Fields {
 public:
  Fields(const nlohmann::json& object, std::filesystem::path file, std::string prefix = "")
      : object_(object), file_(std::move(file)), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    throw ConfigError(fmt::format("{}: field '{}{}': expected {}", file_.string(), prefix_, field, expected));
  }
  bool has(const std::string& field) const { return object_.contains(field); }
  const nlohmann::json& raw(const std::string& field) const { return object_.at(field); }

  std::string str(const std::string& field, const std::string& fallback, bool required = false) const {
    if (!object_.contains(field)) {
      if (required) fail(field, "a string (the field is required)");
      return fallback;
    }
    const auto& v = object_.at(field);
    if (!v.is_string()) fail(field, fmt::format("a string, got {}", v.dump()));
    return v.get<std::string>();
  }

  std::uint64_t uint(const std::string& field, std::uint64_t fallback, std::uint64_t lo, std::uint64_t hi) const {
    if (!object_.contains(field)) return fallback;
    const auto& v = object_.at(field);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi)
      fail(field, fmt::format("an integer from {} to {}, got {}", lo, hi, v.dump()));
    return v.get<std::uint64_t>();
  }

  bool boolean(const std::string& field, bool fallback) const {
    if (!object_.contains(field)) return fallback;
    const auto& v = object_.at(field);
    if (!v.is_boolean()) fail(field, fmt::format("true or false, got {}", v.dump()));
    return v.get<bool>();
  }

  std::string one_of(const std::string& field, const std::string& fallback,
                     const std::vector<std::string>& allowed) const {
    std::string value = str(field, fallback);
    for (const auto& a : allowed)
      if (a == value) return value;
    fail(field, fmt::format("one of {}, got \"{}\"", fmt::join(allowed, ", "), value));
  }

  Fields object(const std::string& field) const {
    static const nlohmann::json empty = nlohmann::json::object();
    if (!object_.contains(field)) return Fields(empty, file_, prefix_ + field + ".");
    const auto& v = object_.at(field);
    if (!v.is_object()) fail(field, "an object");
    return Fields(v, file_, prefix_ + field + ".");
  }

  // Every key present must be one of `known`: a misspelt field is an error, not a silent default.
  void only(const std::vector<std::string>& known) const {
    for (const auto& [key, value] : object_.items()) {
      bool ok = false;
      for (const auto& k : known) ok = ok || k == key;
      if (!ok) fail(key, fmt::format("no such field (known: {})", fmt::join(known, ", ")));
    }
  }

 private:
  const nlohmann::json& object_;
  std::filesystem::path file_;
  std::string prefix_;
};

nlohmann::json parse_json_file(const std::filesystem::path& file);

}  // namespace faultline::scenarios::detail
