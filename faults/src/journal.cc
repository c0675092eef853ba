// Event journal v1 (docs/fault-plan.md): reading it back (journal_summary.cc says what it means for each file).
#include "faultline/journal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace faultline::faults {
namespace {

[[noreturn]] void malformed(const std::filesystem::path& path, std::size_t line, const std::string& what) {
  throw std::runtime_error(fmt::format("{}:{}: malformed journal line: {}", path.string(), line, what));
}

std::int64_t int_field(const nlohmann::ordered_json& j, const char* key, std::int64_t fallback,
                       const std::filesystem::path& path, std::size_t line) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_number_integer()) malformed(path, line, fmt::format("field '{}' must be an integer", key));
  return it->get<std::int64_t>();
}

std::string string_field(const nlohmann::ordered_json& j, const char* key, const std::filesystem::path& path,
                         std::size_t line) {
  const auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_string()) malformed(path, line, fmt::format("field '{}' must be a string", key));
  return it->get<std::string>();
}

}  // namespace

namespace {

constexpr std::string_view kHeaderPrefix = "{\"ev\":\"journal\", \"end\":\"";
constexpr std::size_t kHeaderLen = kHeaderPrefix.size() + 8 + 3;

// `end` from a header at the start of `head`, if it has one.
std::optional<std::size_t> header_end(std::string_view head) {
  if (head.size() < kHeaderLen || head.substr(0, kHeaderPrefix.size()) != kHeaderPrefix) return std::nullopt;
  std::size_t end = 0;
  for (char c : head.substr(kHeaderPrefix.size(), 8)) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    end = end << 4 | static_cast<std::size_t>(d);
  }
  return end;
}

// `end` from the header of the journal open at fd, if it has one.
std::optional<std::size_t> read_header_end(int fd) {
  char head[kHeaderLen];
  const ssize_t got = ::pread(fd, head, kHeaderLen, 0);
  return got > 0 ? header_end(std::string_view(head, static_cast<std::size_t>(got))) : std::nullopt;
}

}  // namespace

JournalText read_journal_text(const std::filesystem::path& path) {
  JournalText out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return out;
    throw std::runtime_error(fmt::format("{}: cannot read the journal: {}", path.string(), std::strerror(errno)));
  }
  // Read up to `end` when there is a header: a file of the shim's window size is mostly zeros.
  std::size_t want = 0;
  const auto end = read_header_end(fd);
  if (end) {
    want = *end;
  } else {
    struct stat st {};
    if (::fstat(fd, &st) == 0) want = static_cast<std::size_t>(st.st_size);
  }
  out.raw.resize(want);
  std::size_t have = 0;
  while (have < want) {
    const ssize_t r = ::pread(fd, out.raw.data() + have, want - have, static_cast<off_t>(have));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    have += static_cast<std::size_t>(r);
  }
  ::close(fd);
  out.raw.resize(have);
  const std::string_view raw(out.raw);
  std::size_t number = 0;
  for (std::size_t from = end ? kHeaderLen : 0; from < raw.size();) {
    // Zero bytes are reserved space whose writer never copied its line: skip them, and drop any text they cut short.
    if (raw[from] == '\0') {
      ++from;
      continue;
    }
    const std::size_t stop = raw.find_first_of(std::string_view("\n\0", 2), from);
    if (stop == std::string_view::npos) break;  // unterminated: still being written, or torn by a kill
    if (raw[stop] == '\n') out.lines.push_back({raw.substr(from, stop - from), stop + 1, ++number + (end ? 1 : 0)});
    from = stop + 1;
  }
  return out;
}

JournalWatch::~JournalWatch() {
  if (head_ != nullptr) ::munmap(const_cast<char*>(head_), kHeaderLen);
  if (fd_ >= 0) ::close(fd_);
}

std::size_t JournalWatch::length() {
  if (head_ != nullptr) {
    char digits[kHeaderLen];
    std::memcpy(digits, head_, kHeaderLen);  // one snapshot: the shim updates the digits with one 8-byte CAS
    return header_end(std::string_view(digits, kHeaderLen)).value_or(0);
  }
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return 0;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return 0;
  const auto end = read_header_end(fd_);
  if (!end) return static_cast<std::size_t>(st.st_size);
  // A file with the header is soon the shim's window long (it grows the file before writing lines); once its first
  // page is backed it stays so: journals are only cut by seal_journal(), once their writers are gone.
  if (static_cast<std::size_t>(st.st_size) >= 4096) {
    if (void* map = ::mmap(nullptr, kHeaderLen, PROT_READ, MAP_SHARED, fd_, 0); map != MAP_FAILED)
      head_ = static_cast<const char*>(map);
  }
  return *end;
}

void seal_journal(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  if (const auto end = read_header_end(fd); end && ::ftruncate(fd, static_cast<off_t>(*end)) != 0) {
    // Leave it: readers stop at `end` anyway.
  }
  ::close(fd);
}

std::vector<Event> read_journal(const std::filesystem::path& path) { return parse_journal(read_journal_text(path), path); }

std::vector<Event> parse_journal(const JournalText& journal, const std::filesystem::path& path) {
  std::vector<Event> events;
  for (const auto& jl : journal.lines) {
    const std::size_t line = jl.number;
    if (jl.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(jl.text);
    } catch (const nlohmann::json::parse_error& err) {
      malformed(path, line, fmt::format("not JSON ({})", err.what()));
    }
    if (!j.is_object()) malformed(path, line, "not a JSON object");
    Event e;
    e.ev = string_field(j, "ev", path, line);
    if (e.ev.empty()) malformed(path, line, "missing string field 'ev'");
    if (!j.contains("pid")) malformed(path, line, "missing field 'pid'");
    e.pid = int_field(j, "pid", 0, path, line);
    e.file = string_field(j, "file", path, line);
    e.fd = int_field(j, "fd", -1, path, line);
    e.off = int_field(j, "off", -1, path, line);
    e.len = int_field(j, "len", -1, path, line);
    e.ret = int_field(j, "ret", 0, path, line);
    e.size = int_field(j, "size", -1, path, line);
    if (e.ev == "fault") {
      const std::string kind = string_field(j, "kind", path, line);
      if (kind.empty()) malformed(path, line, "fault event without 'kind'");
      if (!parse_fault_kind(kind.c_str(), &e.kind) || !shim_injects(e.kind))
        malformed(path, line, fmt::format("fault event of unknown kind '{}'", kind));
    }
    e.raw = std::move(j);
    events.push_back(std::move(e));
  }
  return events;
}

std::vector<Event> fired_faults(const std::vector<Event>& events) {
  std::vector<Event> out;
  std::copy_if(events.begin(), events.end(), std::back_inserter(out), [](const Event& e) { return e.ev == "fault"; });
  return out;
}

}  // namespace faultline::faults
