// `faultline profile init`: the probe and the starting profile written from its journal (profile_init.h).
#include "faultline/harness/profile_init.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "faultline/harness/preflight.h"
#include "run.h"

namespace faultline::harness {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

constexpr std::uint32_t kProbeOperations = 24;

// What the probe saw of one data file, over both runs.
struct FileSeen {
  std::size_t writes = 0, overwrites = 0, syncs = 0, renames = 0, removes = 0;
  std::uint64_t size = 0;  // as far as the journal shows (open size, then the writes)
};

bool durable_sync(const faults::Event& e) {
  return e.ev == "sync" && e.ret == 0 && e.raw.value("fn", "") != "sync_file_range";
}

void see(std::map<std::string, FileSeen>& files, const std::vector<faults::Event>& events) {
  for (const auto& e : events) {
    if (e.ev == "open" && !e.file.empty()) {
      auto& f = files[e.file];
      if (e.size >= 0) f.size = static_cast<std::uint64_t>(e.size);
    } else if (e.ev == "write" && e.ret > 0) {
      auto& f = files[e.file];
      ++f.writes;
      if (e.off >= 0 && static_cast<std::uint64_t>(e.off) < f.size) ++f.overwrites;
      if (e.off >= 0) f.size = std::max(f.size, static_cast<std::uint64_t>(e.off + e.ret));
    } else if (durable_sync(e)) {
      ++files[e.file].syncs;
    } else if (e.ev == "rename" && e.ret == 0) {
      ++files[e.raw.value("from", "")].renames;
    } else if (e.ev == "unlink" && e.ret == 0) {
      ++files[e.file].removes;
    }
  }
}

// An acknowledged operation is covered when, between its request and its reply, the engine wrote a data file and
// fsynced (or fdatasynced) a file it wrote in that window. A DEL of a key that is not there changes nothing, and an
// engine that writes nothing for it needs no sync: it is not counted.
std::size_t covered_ops(const ProbeRuns& runs, std::size_t& acked) {
  std::size_t covered = 0;
  acked = 0;
  KvState state;
  for (const auto& i : runs.issued) {
    const bool no_op = i.op.kind == Op::Kind::kDel && !state.count(i.op.key);
    apply(state, i.op);
    if (i.ack != Ack::kOk) continue;
    std::set<std::string> written;
    bool synced = false;
    const auto end = std::min(i.journal_events_after, runs.run_events.size());
    for (std::size_t k = i.journal_events_before; k < end; ++k) {
      const auto& e = runs.run_events[k];
      if (e.ev == "write" && e.ret > 0) written.insert(e.file);
      synced = synced || (durable_sync(e) && written.count(e.file));
    }
    if (no_op && written.empty()) continue;
    ++acked;
    if (synced) ++covered;
  }
  return covered;
}

std::string program_name(const std::string& command) {
  const auto words = split_command(command);
  std::string name = words.empty() ? "engine" : fs::path(words.front()).filename().string();
  for (const auto& w : words)  // an interpreter's script names the engine better than the interpreter
    if (w.ends_with(".py") || w.ends_with(".sh") || w.ends_with(".rb") || w.ends_with(".js"))
      return fs::path(w).stem().string();
  return name;
}

}  // namespace

std::string file_glob(const std::string& file) {
  std::string out;
  for (std::size_t i = 0; i < file.size();) {
    if (std::isdigit(static_cast<unsigned char>(file[i]))) {
      while (i < file.size() && std::isdigit(static_cast<unsigned char>(file[i]))) ++i;
      out += '*';
    } else {
      out += file[i++];
    }
  }
  return out;
}

ordered_json suggest_profile(const ProbeRuns& runs) {
  std::map<std::string, FileSeen> files;
  see(files, runs.run_events);
  see(files, runs.restart_events);
  std::set<std::string> globs;
  ordered_json notes = ordered_json::array();
  notes.push_back(fmt::format("written by `faultline profile init` from a probe: {} operations on an empty directory, "
                              "QUIT, a restart that gave every acknowledged write back; edit it (docs/profiles.md)",
                              runs.issued.size()));
  for (const auto& [file, f] : files) {
    if (file.empty() || runs.left_out.count(file) || f.writes == 0) continue;
    globs.insert(file_glob(file));
    notes.push_back(fmt::format("data file {}: {} writes through write/pwrite ({} in place, {} appends), {} fsyncs, "
                                "renamed {} times, removed {} times", file, f.writes, f.overwrites,
                                f.writes - f.overwrites, f.syncs, f.renames, f.removes));
  }
  for (const auto& [file, why] : runs.left_out)
    notes.push_back(fmt::format("left out: {} ({}): the shim cannot follow it, so no fault is aimed at it and its "
                                "durability is not judged (docs/faults.md, \"Files the shim cannot follow\")", file, why));
  std::size_t acked = 0;
  const auto covered = covered_ops(runs, acked);
  const bool always = acked > 0 && covered == acked;
  notes.push_back(always ? fmt::format("sync: always, since each of the {} acknowledged operations was followed by an "
                                       "fsync/fdatasync of the file it wrote before its OK", acked)
                         : fmt::format("sync: none, since only {} of the {} acknowledged operations were followed by "
                                       "an fsync/fdatasync of the file they wrote before their OK: an OK is judged to "
                                       "survive SIGKILL, and a power loss only where the journal shows a sync; set "
                                       "\"always\" or \"batch\" if the engine promises more", covered, acked));
  notes.push_back("checks enabled: lost acknowledged writes under the sync promise, state a prefix of the operations, "
                  "no value never written, refusal to start only where the faults allow it, files untouched on "
                  "refusal (docs/violations.md, \"Black boxes\"); record_per_write is false: set it (with frame) only "
                  "if the engine writes each record with one write() call, for exact truncation checks and field aim");
  ordered_json profile;
  profile["format_version"] = 1;
  profile["name"] = program_name(runs.command);
  profile["command"] = runs.command;
  profile["data_files"] = ordered_json(std::vector<std::string>(globs.begin(), globs.end()));
  profile["sync"] = always ? "always" : "none";
  profile["record_per_write"] = false;
  profile["torn_tail"] = "either";
  profile["notes"] = notes;
  return profile;
}

ordered_json probe_profile(const std::string& command, const fs::path& shim, const fs::path& bindir,
                           const fs::path& work_dir) {
  auto profile = scenarios::command_profile(command);
  preflight(profile, shim, bindir, work_dir / "preflight");
  TrialConfig config;
  config.profile = profile;
  config.profile.fork_server = scenarios::ForkPoint::kOff;
  config.shim = shim;
  config.bindir = bindir;
  config.work_dir = work_dir;
  const fs::path data = work_dir / "data";
  fs::create_directories(data);
  scenarios::WorkloadSpec spec;
  spec.fresh_keys = true;
  spec.delete_percent = 10;
  Rng rng(1);
  const auto ops = generate_ops(spec, kProbeOperations, 0, rng);
  detail::Runner runner(config);
  auto fail = [&](const std::string& what, const std::vector<std::string>& stderr_tail) {
    throw scenarios::ConfigError(preflight_message("profile init: --engine", what, runner.argv(data), stderr_tail));
  };
  ProbeRuns runs;
  runs.command = command;
  {
    const auto& first = runner.run(data, "probe", {}, ops, detail::Runner::Ending::kQuit);
    for (std::size_t i = 0; i < first.issued.size(); ++i)
      if (first.issued[i].ack != Ack::kOk)
        fail(fmt::format("the probe's operation #{} ({}) was not acknowledged: {}", i, first.issued[i].op.brief(),
                         first.issued[i].reply.empty() ? "no reply" : first.issued[i].reply), first.stderr_tail);
    if (first.issued.size() != ops.size()) fail("the engine stopped answering during the probe", first.stderr_tail);
    runs.run_events = first.events;
    runs.issued = first.issued;
    runs.left_out = first.left_out;
  }
  auto again = runner.recover(data, "restart", {});
  if (again.record.start.kind != StartOutcome::Kind::kReady)
    fail("the restart after the probe did not say READY: " + again.record.start.detail, again.record.stderr_tail);
  if (!again.dump.ok || again.dump.state != apply_prefix({}, ops, ops.size()))
    fail(again.dump.ok ? "after a clean QUIT and a restart, the engine did not give back every acknowledged write"
                       : "DUMP after the restart failed: " + again.dump.error, again.record.stderr_tail);
  again.session->quit();
  again.session.reset();
  runs.restart_events = runner.records().back().events;
  for (const auto& [file, why] : runner.records().back().left_out) runs.left_out.emplace(file, why);
  auto out = suggest_profile(runs);
  if (out["data_files"].empty())
    fail("the engine wrote no file through calls the shim follows (write/pwrite) in its directory: there is nothing "
         "to inject faults into", {});
  std::error_code ec;
  fs::remove_all(work_dir, ec);
  return out;
}

}  // namespace faultline::harness
