#include <algorithm>
#include <fmt/format.h>

#include "faultline/scenarios/scenario.h"
#include "json_fields.h"

namespace faultline::scenarios {

using detail::Fields;

const char* to_string(SyncPromise sync) {
  switch (sync) {
    case SyncPromise::kAlways: return "always";
    case SyncPromise::kBatch: return "batch";
    case SyncPromise::kNone: return "none";
  }
  return "?";
}

const char* to_string(TornTailPolicy policy) {
  switch (policy) {
    case TornTailPolicy::kTruncate: return "truncate";
    case TornTailPolicy::kAbort: return "abort";
    case TornTailPolicy::kEither: return "either";
  }
  return "?";
}

EngineProfile load_profile(const std::filesystem::path& file) { return parse_profile(detail::parse_json_file(file), file); }

EngineProfile parse_profile(const nlohmann::json& doc, const std::filesystem::path& file) {
  if (!doc.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object at the top level", file.string()));
  Fields f(doc, file);
  f.only({"format_version", "name", "command", "data_files", "corrupt_exit_code", "sync", "record_per_write",
          "frame", "torn_tail", "start_timeout_ms", "request_timeout_ms", "fork_server", "description",
          "notes"});
  if (f.uint("format_version", 0, 1, 1) != 1) f.fail("format_version", "1 (the field is required)");
  EngineProfile p;
  p.source = file;
  p.document = doc;
  p.name = f.str("name", "", true);
  // notes: for people (what `faultline profile init` saw and why it chose each value); the harness reads nothing there.
  if (f.has("notes") && (!f.raw("notes").is_array() ||
                         !std::all_of(f.raw("notes").begin(), f.raw("notes").end(), [](const auto& n) { return n.is_string(); })))
    f.fail("notes", "an array of strings");
  p.command = f.str("command", "", true);
  // {profiledir}: the directory of the profile file, for an adapter shipped beside it.
  const std::string profiledir = std::filesystem::absolute(file).parent_path().string();
  for (std::size_t at; (at = p.command.find("{profiledir}")) != std::string::npos;)
    p.command.replace(at, 12, profiledir);
  if (p.command.find("{dir}") == std::string::npos)
    f.fail("command", "a command line containing {dir} (where the engine keeps its data)");
  if (f.has("data_files")) {
    const auto& v = f.raw("data_files");
    if (!v.is_array() || v.empty()) f.fail("data_files", "a non-empty array of globs such as [\"wal.log\"]");
    p.data_files.clear();
    for (const auto& g : v) {
      if (!g.is_string() || g.get<std::string>().empty()) f.fail("data_files", "strings (globs relative to {dir})");
      p.data_files.push_back(g.get<std::string>());
    }
  }
  p.corrupt_exit_code = static_cast<int>(f.uint("corrupt_exit_code", 3, 1, 255));
  const std::string sync = f.one_of("sync", "always", {"always", "batch", "none"});
  p.sync = sync == "always" ? SyncPromise::kAlways : sync == "batch" ? SyncPromise::kBatch : SyncPromise::kNone;
  p.record_per_write = f.boolean("record_per_write", false);
  if (f.has("frame")) {
    Fields frame = f.object("frame");
    frame.only({"header_bytes", "trailer_bytes"});
    p.frame = Frame{static_cast<std::uint32_t>(frame.uint("header_bytes", 4, 1, 64)),
                    static_cast<std::uint32_t>(frame.uint("trailer_bytes", 4, 0, 64))};
    if (!p.record_per_write) f.fail("frame", "a frame only together with \"record_per_write\": true");
  }
  const std::string torn = f.one_of("torn_tail", "truncate", {"truncate", "abort", "either"});
  p.torn_tail = torn == "truncate" ? TornTailPolicy::kTruncate
              : torn == "abort"    ? TornTailPolicy::kAbort
                                   : TornTailPolicy::kEither;
  p.start_timeout_ms = static_cast<std::uint32_t>(f.uint("start_timeout_ms", 10000, 100, 600000));
  p.request_timeout_ms = static_cast<std::uint32_t>(f.uint("request_timeout_ms", 5000, 100, 600000));
  const std::string fork = f.one_of("fork_server", "main", {"main", "deferred", "off"});
  p.fork_server = fork == "main" ? ForkPoint::kMain : fork == "deferred" ? ForkPoint::kDeferred : ForkPoint::kOff;
  return p;
}

EngineProfile command_profile(const std::string& command) {
  if (command.find("{dir}") == std::string::npos)
    throw ConfigError(fmt::format("--engine \"{}\": expected a command containing {{dir}}", command));
  EngineProfile p;
  p.name = "custom";
  p.command = command;
  p.torn_tail = TornTailPolicy::kEither;
  p.document = {{"format_version", 1}, {"name", p.name}, {"command", command}, {"torn_tail", "either"}};
  return p;
}

}  // namespace faultline::scenarios
