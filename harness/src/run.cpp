#include "run.h"
#include "work_space.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "faultline/storage.h"

namespace faultline::harness::detail {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Lines of the engine's stderr kept with a run (the engine log of reports).
constexpr std::size_t kStderrTailLines = 20;

namespace {

// The plan's step counter (docs/fault-plan.md, `step_file`): a file the shim maps read-only and the harness raises to
// i + 1 before it sends operation i, so a `step=` fault fires at the first call the engine makes on that operation's
// behalf. Shared memory, not a message: the engine reads the new value without any system call of its own.
class StepCounter {
 public:
  explicit StepCounter(const fs::path& path) {
    // Its page is allocated now, not at the first store: on a full file system that store would be SIGBUS.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = fd < 0 ? errno : ::posix_fallocate(fd, 0, 4096);
    if (err != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error(fmt::format("{}: cannot create the step counter: {}", path.string(), std::strerror(err)));
    }
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (page == MAP_FAILED)
      throw std::runtime_error(fmt::format("{}: cannot map the step counter: {}", path.string(), std::strerror(errno)));
    counter_ = static_cast<std::uint64_t*>(page);
  }
  ~StepCounter() { ::munmap(counter_, 4096); }
  StepCounter(const StepCounter&) = delete;
  StepCounter& operator=(const StepCounter&) = delete;
  void set(std::uint64_t value) { __atomic_store_n(counter_, value, __ATOMIC_RELEASE); }

 private:
  std::uint64_t* counter_ = nullptr;
};

}  // namespace

bool matches_any(const std::string& file, const std::vector<std::string>& globs) {
  for (const auto& g : globs)
    if (::fnmatch(g.c_str(), file.c_str(), 0) == 0) return true;
  return false;
}

Runner::Runner(const TrialConfig& config) : config_(config) {
  std::string command = config.profile.command;
  // {bindir}: where faultline and walkv are; {libexecdir}: where the shim and private programs (walkv-planted) are.
  const std::pair<std::string, std::string> dirs[] = {{"{bindir}", config.bindir.string()},
                                                      {"{libexecdir}", config.shim.parent_path().string()}};
  for (const auto& [name, value] : dirs)
    for (std::size_t at; (at = command.find(name)) != std::string::npos;) command.replace(at, name.size(), value);
  command_ = split_command(command);
}

std::vector<std::string> Runner::argv(const fs::path& data_dir) const {
  std::vector<std::string> out;
  for (const auto& word : command_) {
    std::string w = word;
    for (std::size_t at; (at = w.find("{dir}")) != std::string::npos;) w.replace(at, 5, fs::absolute(data_dir).string());
    out.push_back(w);
  }
  return out;
}

void Runner::say(const std::string& line) const {
  if (config_.narrate) config_.narrate(line);
}

std::unique_ptr<EngineSession> Runner::make_session(const fs::path& data_dir, const std::string& label,
                                                    std::vector<faults::FaultSpec> faults, bool all_files_targets,
                                                    RunRecord& record, bool stepped) {
  const auto n = plan_counter_++;
  faults::Plan plan;
  plan.seed = derive_seed(config_.seed, fmt::format("plan-{}", n));
  plan.journal = config_.work_dir / fmt::format("{:02}-{}.journal.jsonl", n, label);
  plan.target_dir = fs::absolute(data_dir);
  if (!all_files_targets) plan.targets = config_.profile.data_files;
  plan.faults = std::move(faults);
  if (stepped) plan.step_file = config_.work_dir / fmt::format("{:02}-{}.step", n, label);
  plan.record = record_;
  const fs::path plan_path = config_.work_dir / fmt::format("{:02}-{}.plan", n, label);
  faults::write_plan(plan, plan_path);
  record.label = label;
  record.journal = plan.journal;
  record.stderr_path = config_.work_dir / fmt::format("{:02}-{}.stderr.log", n, label);

  SpawnOptions options;
  options.argv = argv(data_dir);
  // A sanitizer runtime must come first in LD_PRELOAD (docs/design-notes.md §6); FAULTLINE_PRELOAD_FIRST names it.
  const char* first = std::getenv("FAULTLINE_PRELOAD_FIRST");
  options.env_set["LD_PRELOAD"] = (first && *first ? std::string(first) + ":" : std::string()) + config_.shim.string();
  options.env_set["FAULTFS_PLAN"] = plan_path.string();
  options.tag = "FAULTFS_PLAN=" + plan_path.string();
  options.stderr_path = record.stderr_path;
  // The fork server (docs/fork-server.md) is started once per worker with the data directory replaced by a path
  // that cannot exist; each start then gets this argv. An engine that runs instead of serving finds no directory.
  if (config_.profile.fork_server != scenarios::ForkPoint::kOff) {
    for (const auto& word : command_) {
      std::string w = word;
      for (std::size_t at; (at = w.find("{dir}")) != std::string::npos;) w.replace(at, 5, "/dev/null/faultline-fork-server");
      options.fork_server_argv.push_back(w);
    }
    options.fork_point_deferred = config_.profile.fork_server == scenarios::ForkPoint::kDeferred;
    options.fork_server_timeout = milliseconds(config_.profile.start_timeout_ms);
  }
  auto session = std::make_unique<EngineSession>(options, milliseconds(config_.profile.start_timeout_ms),
                                                 milliseconds(config_.profile.request_timeout_ms));
  session->track_journal(plan.journal);
  return session;
}

const RunRecord& Runner::run(const fs::path& data_dir, const std::string& label, std::vector<faults::FaultSpec> faults,
                             const std::vector<Op>& ops, Ending ending, bool all_files_targets) {
  RunRecord& r = records_.emplace_back();
  std::vector<JournalSpan> spans;  // journal lengths (a stat each), turned into event indices once, after the run
  const bool stepped = !record_.empty() ||
                       std::any_of(faults.begin(), faults.end(), [](const auto& f) { return f.step.has_value(); });
  std::optional<StepCounter> step;
  if (stepped) step.emplace(config_.work_dir / fmt::format("{:02}-{}.step", plan_counter_, label));
  auto session = make_session(data_dir, label, std::move(faults), all_files_targets, r, stepped);
  // What earlier runs of the trial left on disk: their histories go on across runs (docs/faults.md, "Bypass detection").
  auto existing = faults::existing_files(data_dir, config_.profile.data_files, left_out_);
  r.start = session->start();
  if (r.start.kind == StartOutcome::Kind::kReady) {
    for (const auto& op : ops) {
      if (step) step->set(r.issued.size() + 1);
      Issued issued{op, Ack::kNoReply, "", 0, 0};
      JournalSpan span{session->journal_bytes(), 0};
      const auto reply = session->request(op.request());
      span.after = session->journal_bytes();
      spans.push_back(span);
      if (reply) {
        issued.reply = *reply;
        if (*reply == "OK") {
          issued.ack = Ack::kOk;
        } else if (reply->rfind("ERR", 0) == 0) {
          issued.ack = Ack::kErr;
        } else {
          r.protocol_errors.push_back(fmt::format("{} → expected OK or ERR, got \"{}\"", op.request(), reply->substr(0, 200)));
        }
      }
      r.issued.push_back(issued);
      if (!reply || session->overflowed()) break;
    }
    r.hung = session->hung();
    // stdout reaches EOF before the process can be reaped: after a missing reply, give it the request timeout to end.
    const bool no_reply = !r.issued.empty() && r.issued.back().reply.empty() && r.issued.back().ack == Ack::kNoReply;
    // After ERR a fail-stop engine exits by itself; let it, so what it journals on the way out is not cut short by a
    // racing SIGKILL (the trial must be the same every time).
    const bool last_err = !r.issued.empty() && r.issued.back().ack == Ack::kErr;
    const auto grace = no_reply && !r.hung ? milliseconds(config_.profile.request_timeout_ms)
                     : last_err && !r.hung ? milliseconds(std::min<std::uint32_t>(config_.profile.request_timeout_ms, 1000))
                                           : milliseconds(0);
    if (r.hung) {
      r.status = session->kill();
    } else if (auto status = session->wait(grace); status) {
      r.died = true;
      r.status = *status;
    } else if (no_reply) {
      r.hung = true;  // closed stdout but would not die
      r.status = session->kill();
    } else if (ending == Ending::kQuit) {
      const auto quit_status = session->quit();
      if (!quit_status) r.hung = true;
      else r.status = *quit_status;
    } else {
      r.status = session->kill();
    }
  } else {
    r.died = r.start.kind == StartOutcome::Kind::kExited;
    r.status = r.start.status;
    r.hung = r.start.kind == StartOutcome::Kind::kHang;
  }
  const auto text = faults::read_journal_text(r.journal);
  r.trace = stable_lines(text, session->stable_journal_bytes());
  r.stderr_tail = tail_lines(r.stderr_path, kStderrTailLines);
  r.events = faults::parse_journal(text, r.journal);
  check_work_space(r, config_.work_dir.parent_path());
  set_event_indices(text, spans, r.issued);
  for (const auto& [file, h] : existing) r.untouched.insert(file);
  for (const auto& e : r.events) {
    r.untouched.erase(e.file);
    if (e.ev == "rename")
      for (const char* side : {"from", "to"}) r.untouched.erase(e.raw.value(side, std::string()));
  }
  r.histories = faults::summarize(r.events, std::move(existing));
  r.left_out = left_out_ = faults::leave_out_untracked(r.histories, r.events, left_out_);
  r.records = records_of(r.events, r.issued, config_.profile.data_files);
  std::erase_if(r.records, [&](const Record& rec) { return r.left_out.contains(rec.file); });
  return r;
}

Runner::Recovery Runner::recover(const fs::path& data_dir, const std::string& label,
                                 std::vector<faults::FaultSpec> faults, bool all_files_targets) {
  Recovery rec{records_.emplace_back(), {}, nullptr};
  RunRecord& r = rec.record;
  rec.session = make_session(data_dir, label, std::move(faults), all_files_targets, r);
  r.start = rec.session->start();
  if (r.start.kind == StartOutcome::Kind::kReady) rec.dump = rec.session->dump();
  r.status = r.start.status;
  r.died = r.start.kind == StartOutcome::Kind::kExited;
  r.hung = r.start.kind == StartOutcome::Kind::kHang || rec.session->hung();
  const auto text = faults::read_journal_text(r.journal);
  r.trace = stable_lines(text, rec.session->stable_journal_bytes());
  r.stderr_tail = tail_lines(r.stderr_path, kStderrTailLines);
  r.events = faults::parse_journal(text, r.journal);
  check_work_space(r, config_.work_dir.parent_path());
  return rec;
}

void Runner::settle(RunRecord& record, const EngineSession& session) const {
  record.trace = stable_lines(faults::read_journal_text(record.journal), session.stable_journal_bytes());
}

std::vector<std::string> stable_lines(const faults::JournalText& journal, std::size_t stable_bytes) {
  std::vector<std::string> lines;
  for (const auto& line : journal.lines) {
    if (line.raw_end > stable_bytes) break;  // lines written after the last completed exchange may race
    lines.emplace_back(line.text);
  }
  return lines;
}

void set_event_indices(const faults::JournalText& journal, const std::vector<JournalSpan>& spans,
                       std::vector<Issued>& issued) {
  // Events are the journal's non-blank lines (parse_journal); count those that end within the first `bytes`.
  std::vector<std::size_t> ends;
  for (const auto& line : journal.lines)
    if (line.text.find_first_not_of(" \t\r") != std::string_view::npos) ends.push_back(line.raw_end);
  auto events_in = [&](std::size_t bytes) {
    return static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), bytes) - ends.begin());
  };
  for (std::size_t i = 0; i < issued.size() && i < spans.size(); ++i) {
    issued[i].journal_events_before = events_in(spans[i].before);
    issued[i].journal_events_after = events_in(spans[i].after);
  }
}

std::vector<Record> records_of(const std::vector<faults::Event>& events, const std::vector<Issued>& issued,
                               const std::vector<std::string>& data_globs) {
  std::vector<Record> records;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (e.ev != "write" || e.ret <= 0 || e.off < 0 || !matches_any(e.file, data_globs)) continue;
    Record rec{e.file, static_cast<std::uint64_t>(e.off), static_cast<std::uint64_t>(e.ret), SIZE_MAX, i};
    for (std::size_t op = 0; op < issued.size(); ++op)
      if (i >= issued[op].journal_events_before && (i < issued[op].journal_events_after || issued[op].ack == Ack::kNoReply))
        rec.op = op;
    records.push_back(rec);
  }
  return records;
}

std::string hexdump_around(const fs::path& file, std::uint64_t offset, const std::vector<Record>& records,
                           const scenarios::EngineProfile& profile) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fmt::format("({} does not exist)", file.filename().string());
  in.seekg(static_cast<std::streamoff>(hexdump_start(offset)));
  std::string buf(kHexdumpBytes, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return hexdump_rows(buf, offset, records, profile);
}

std::string hexdump_of_bytes(std::string_view bytes, std::uint64_t offset, const std::vector<Record>& records,
                             const scenarios::EngineProfile& profile) {
  const auto start = hexdump_start(offset);
  return hexdump_rows(start < bytes.size() ? bytes.substr(start, kHexdumpBytes) : std::string_view(), offset, records,
                      profile);
}

std::uint64_t hexdump_start(std::uint64_t offset) { return offset >= 48 ? (offset - 48) & ~std::uint64_t{15} : 0; }

std::string hexdump_rows(std::string_view buf, std::uint64_t offset, const std::vector<Record>& records,
                         const scenarios::EngineProfile& profile) {
  const std::uint64_t start = hexdump_start(offset);
  const auto n = buf.size();
  auto label = [&](std::uint64_t at) -> char {
    for (const auto& r : records) {
      if (at < r.off || at >= r.off + r.len) continue;
      if (!profile.frame) return 'r';
      if (at < r.off + profile.frame->header_bytes) return 'L';
      if (at >= r.off + r.len - profile.frame->trailer_bytes) return 'C';
      return 'p';
    }
    return '.';
  };
  std::string out;
  for (std::size_t row = 0; row < n; row += 16) {
    std::string hex, fields, text;
    for (std::size_t i = row; i < row + 16 && i < n; ++i) {
      const auto at = start + i;
      const auto byte = static_cast<unsigned char>(buf[i]);
      hex += at == offset ? fmt::format("[{:02x}]", byte) : fmt::format(" {:02x} ", byte);
      fields += fmt::format(" {}  ", label(at));
      text += (byte >= 32 && byte < 127) ? static_cast<char>(byte) : '.';
    }
    out += fmt::format("{:08x} {:<64} |{}|\n         {}\n", start + row, hex, text, fields);
  }
  out += profile.frame ? "fields: L length, p payload, C checksum, . outside any record; [..] the aimed byte\n"
                       : "fields: r inside a record, . outside; [..] the aimed byte\n";
  return out;
}

}  // namespace faultline::harness::detail
