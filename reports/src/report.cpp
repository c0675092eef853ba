#include "faultline/reports/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"
#include "text.h"

namespace faultline::reports {

namespace fs = std::filesystem;

void write_atomic(const fs::path& path, const std::string& content) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path tmp = dir / fmt::format(".{}.tmp-{}", path.filename().string(), ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(fmt::format("cannot write report {}: {} (is the directory writable?)", tmp.string(),
                                         std::strerror(errno)));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error(fmt::format("cannot write report {}: {}", tmp.string(), std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write report {}: {}", path.string(), std::strerror(err)));
  }
}

std::string dump(const nlohmann::ordered_json& doc, int indent) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::ordered_json load_report(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open the report", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(fmt::format("{}: not a JSON report ({})", path.string(), e.what()));
  }
  if (!doc.is_object() || !doc.contains("format_version") || !doc["format_version"].is_string())
    throw std::runtime_error(fmt::format("{}: field 'format_version': expected a string such as \"1.0\"", path.string()));
  const auto version = doc["format_version"].get<std::string>();
  if (version.substr(0, version.find('.')) != "1")
    throw std::runtime_error(fmt::format("{}: field 'format_version': this faultline reads reports 1.x, the file is "
                                         "{} (use the faultline version that wrote it)", path.string(), version));
  for (const char* field : {"status", "summary", "configuration"})
    if (!doc.contains(field)) throw std::runtime_error(fmt::format("{}: field '{}' is missing", path.string(), field));
  validate_report(doc, path.string());
  return doc;
}

namespace {

std::string paint(bool color, const char* code, const std::string& text) {
  return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

}  // namespace

std::string render_summary(const Report& report, bool color, std::size_t max_groups) {
  const auto& s = report.summary;
  const Status status = report.status;
  std::string out;
  const char* status_color = status == Status::kPass ? "32" : status == Status::kFail ? "31" : "33";
  out += fmt::format("faultline: {} — {} trials: {} passed, {} failed, {} void, {} errors ({:.1f} s){}\n",
                     paint(color, status_color, status == Status::kPass ? "PASS" : status == Status::kFail ? "FAIL" : "ERROR"),
                     s.total, s.passed, s.failed, s.voided, s.errors, report.run.duration_s,
                     report.run.incomplete ? fmt::format(" — INCOMPLETE: {}", report.run.incomplete_reason) : "");
  // The causes first: one line per signature with its count, then one reproducer each.
  const auto groups = groups_of(report);
  std::size_t bad_groups = 0, bad_trials = 0;
  for (const auto& g : groups)
    if (g.verdict != "void") ++bad_groups, bad_trials += g.count;
  if (bad_groups > 0) {
    out += fmt::format("{} cause{} ({} failing or erroring trials, grouped by signature):\n", bad_groups,
                       bad_groups == 1 ? "" : "s", bad_trials);
    std::size_t shown = 0;
    for (const auto& g : groups) {
      if (g.verdict == "void") continue;
      if (shown++ == max_groups) {
        out += fmt::format("  … and {} more causes in the report\n", bad_groups - max_groups);
        break;
      }
      std::string where;
      for (const auto& [name, n] : g.scenarios) where += fmt::format("{}{} ×{}", where.empty() ? "" : ", ", name, n);
      std::string smallest = fmt::format("{} seed {}", g.smallest.scenario, g.smallest.seed);
      if (g.smallest.operations) smallest += fmt::format(", {} operations", *g.smallest.operations);
      // Titles and names can quote engine-chosen text: no escape sequence of it reaches the terminal.
      out += fmt::format("{} {:>4}×  {}\n        {} · smallest: {}\n        reproduce: {}\n",
                         paint(color, g.verdict == "fail" ? "31" : "33", g.verdict == "fail" ? "✗" : "⚠"), g.count,
                         detail::one_line(detail::clean_text(g.title)), detail::one_line(detail::clean_text(where)),
                         detail::one_line(detail::clean_text(smallest)), detail::clean_text(g.repro.command));
      if (g.bundle) out += fmt::format("        shrunk bundle: {}\n", detail::clean_text(*g.bundle));
      if (g.shrink && g.shrink->status != "shrunk") out += fmt::format("        shrink: {}\n", describe_shrink(*g.shrink));
    }
  }
  for (const auto& [name, c] : s.per_scenario) {
    out += fmt::format("  {:<28} {}  pass {:>5}  fail {:>4}  void {:>4}  error {:>4}\n", name,
                       c.fail + c.error ? paint(color, "31", "✗") : paint(color, "32", "✓"), c.pass, c.fail, c.void_,
                       c.error);
  }
  if (!s.per_violation.empty()) {
    out += "violations:\n";
    for (const auto& [name, n] : s.per_violation) out += fmt::format("  {:<28} {}\n", name, n);
  }
  return out;
}

std::string render_summary(const nlohmann::ordered_json& report, bool color, std::size_t max_groups) {
  return render_summary(report_from_json(report), color, max_groups);
}

}  // namespace faultline::reports
