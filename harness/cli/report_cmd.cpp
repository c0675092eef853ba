// `faultline report show|merge|corpus|html|diff`, and what `faultline run --junit FILE --html FILE --github` writes.
// Everything here works on report documents (docs/report.md) through the reports library; no trial runs.
//
// Exit codes: `report show` mirrors the report's status (0 pass, 1 fail, 3 error); `report diff` is 1 when the second
// report has a failure signature the first has not, else 0; 2 for an unreadable report, a
// merge of reports that are not shards of one campaign, or a usage error; 3 when an output cannot be written.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli.h"

#include "faultline/harness/input.h"
#include "faultline/reports/ci.h"
#include "faultline/reports/diff.h"
#include "faultline/reports/html.h"
#include "faultline/reports/merge.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

struct CiOutputs {
  std::string junit;
  std::string html;
  bool github = false;
};

// Bound to CLI11 options, so they must outlive parsing: file-level state of this one-shot command.
CiOutputs g_run_ci;
struct {
  CLI::App *show = nullptr, *merge = nullptr, *corpus = nullptr, *html = nullptr, *diff = nullptr;
  std::string html_file, html_output;
  std::string diff_base, diff_head;
  bool diff_github = false;
  std::string show_file;
  CiOutputs show_ci;
  std::vector<std::string> merge_files;
  std::string merge_output;
  std::string corpus_report, corpus_file;
} g_report;

// A report, an input, that cannot be used: exit code 2, like a bad scenario file.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void add_ci_flags(CLI::App* app, CiOutputs& ci) {
  app->add_option("--junit", ci.junit, "also write JUnit XML (GitLab, Jenkins) to this file");
  app->add_option("--html", ci.html, "also write the self-contained HTML report to this file");
  app->add_flag("--github", ci.github,
                "under GitHub Actions: append a Markdown summary to $GITHUB_STEP_SUMMARY and print error annotations");
}

bool stdout_wants_color() {
  const char* no_color = std::getenv("NO_COLOR");  // no-color.org: set and not empty
  return ::isatty(1) && !(no_color && *no_color);
}

ordered_json load_document(const std::string& file) {
  try {
    return reports::load_report(file);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
}

// A report checked (load_report) and read into the typed model.
reports::Report load(const std::string& file) { return reports::report_from_json(load_document(file)); }

void append_to_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
}

void write_outputs(const reports::Report& doc, const CiOutputs& ci) {
  if (!ci.junit.empty()) reports::write_atomic(ci.junit, reports::render_junit(doc));
  if (!ci.html.empty()) reports::write_atomic(ci.html, reports::render_html(doc));
  if (!ci.github) return;
  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (!actions || !*actions) {
    std::cerr << "faultline: --github: GITHUB_ACTIONS is not set, so there is no job summary to write "
                 "(annotations and summary skipped)\n";
    return;
  }
  const char* summary = std::getenv("GITHUB_STEP_SUMMARY");
  if (summary && *summary)
    append_to_file(summary, reports::render_github_summary(doc));
  else
    std::cerr << "faultline: --github: GITHUB_STEP_SUMMARY is not set: annotations only\n";
  std::cout << std::flush;
  for (const auto& line : reports::github_annotations(doc)) std::cout << line << '\n';
  std::cout << std::flush;
}

int show() {
  if (!g_report.show_ci.junit.empty()) harness::check_output_file("--junit", g_report.show_ci.junit);
  const auto doc = load(g_report.show_file);
  std::cout << reports::render_summary(doc, stdout_wants_color());
  write_outputs(doc, g_report.show_ci);
  return reports::exit_code(doc.status);
}

int merge() {
  harness::check_output_file("--output", g_report.merge_output);
  std::vector<ordered_json> docs;
  for (const auto& f : g_report.merge_files) docs.push_back(load_document(f));
  ordered_json merged;
  try {
    merged = reports::merge_reports(docs, g_report.merge_files);
  } catch (const reports::MergeError& e) {
    throw InputError(e.what());
  }
  reports::write_atomic(g_report.merge_output, reports::dump(merged));
  const auto typed = reports::report_from_json(merged);
  std::cout << fmt::format("faultline: merged {} reports into {}: {}{}\n", docs.size(), g_report.merge_output,
                           reports::to_string(typed.status),
                           typed.run.incomplete ? " — INCOMPLETE: " + typed.run.incomplete_reason : "");
  return 0;
}

int html() {
  const auto doc = load(g_report.html_file);
  const auto page = reports::render_html(doc);
  reports::write_atomic(g_report.html_output, page);
  std::cout << fmt::format("faultline: wrote {} ({} bytes) from {}\n", g_report.html_output, page.size(),
                           g_report.html_file);
  return 0;
}

// Exit 1 when B has a cause A does not, 0 otherwise; 2 when a report cannot be read.
int diff() {
  const auto base = load(g_report.diff_base), head = load(g_report.diff_head);
  const auto d = reports::diff_reports(base, head);
  std::cout << reports::render_diff_text(d, g_report.diff_base, g_report.diff_head);
  if (g_report.diff_github) {
    const char* summary = std::getenv("GITHUB_STEP_SUMMARY");
    if (summary && *summary)
      append_to_file(summary, reports::render_diff_markdown(d, g_report.diff_base, g_report.diff_head));
    else
      std::cerr << "faultline: --github: GITHUB_STEP_SUMMARY is not set: no job summary written\n";
  }
  return reports::diff_exit_code(d);
}

// The (scenario, seed) pairs already in a corpus file, in the format `faultline run --corpus` reads.
std::set<std::pair<std::string, std::string>> corpus_entries(const std::string& text) {
  std::set<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string scenario, seed;
    if (!(words >> scenario >> seed)) continue;
    std::uint64_t value = 0;  // "042" and "42" are the same seed
    const auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), value);
    if (ec == std::errc() && end == seed.data() + seed.size()) seed = std::to_string(value);
    out.emplace(scenario, seed);
  }
  return out;
}

int corpus() {
  harness::check_output_file("--append-to", g_report.corpus_file);
  const auto doc = load(g_report.corpus_report);
  std::string existing;
  if (fs::exists(g_report.corpus_file)) {
    std::ifstream in(g_report.corpus_file);
    if (!in) throw std::runtime_error(fmt::format("cannot read the corpus {}", g_report.corpus_file));
    std::stringstream s;
    s << in.rdbuf();
    existing = s.str();
  }
  auto known = corpus_entries(existing);
  const std::regex name_re("[A-Za-z0-9_.-]+");  // what `run --corpus` accepts as a scenario name
  std::string added;
  std::size_t failing = 0, appended = 0;
  for (const auto& f : doc.failures) {
    if (f.verdict != "fail") continue;
    ++failing;
    const std::string& scenario = f.scenario;
    const std::string& seed = f.seed;
    if (!std::regex_match(scenario, name_re) || seed.find_first_not_of("0123456789") != std::string::npos) {
      std::cerr << fmt::format("faultline: skipping \"{} {}\": not a corpus entry\n", scenario, seed);
      continue;
    }
    if (!known.emplace(scenario, seed).second) continue;
    std::vector<std::string> names;
    for (const auto& v : f.violations) names.push_back(v.name);
    added += fmt::format("{} {}  # {}\n", scenario, seed, fmt::join(names, ", "));
    ++appended;
  }
  if (appended > 0) {
    if (!existing.empty() && existing.back() != '\n') existing += '\n';
    reports::write_atomic(g_report.corpus_file, existing + added);
  }
  std::cout << fmt::format("faultline: {} failing trials in {}: {} appended to {}, {} already there\n", failing,
                           g_report.corpus_report, appended, g_report.corpus_file, failing - appended);
  return 0;
}

int report_command() {
  try {
    if (g_report.show->parsed()) return show();
    if (g_report.merge->parsed()) return merge();
    if (g_report.corpus->parsed()) return corpus();
    if (g_report.html->parsed()) return html();
    if (g_report.diff->parsed()) return diff();
    std::cerr << "faultline: report needs a command: show, merge, corpus, html or diff\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << "faultline: " << e.what() << '\n';
    return 2;
  } catch (const scenarios::ConfigError& e) {
    std::cerr << "faultline: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "faultline: error: " << e.what() << '\n';
    return 3;
  }
}

}  // namespace

// Colour only on a terminal, and never with NO_COLOR set and not empty (no-color.org).
bool color_stdout() { return stdout_wants_color(); }

void add_ci_options(CLI::App* run) { add_ci_flags(run, g_run_ci); }

void write_ci_outputs(const reports::Report& report) { write_outputs(report, g_run_ci); }

void check_ci_outputs() {
  if (!g_run_ci.junit.empty()) harness::check_output_file("--junit", g_run_ci.junit);
}

Command add_report_command(CLI::App& app) {
  auto* report = app.add_subcommand("report", "read, merge and convert JSON reports");
  report->require_subcommand(1);
  g_report.show = report->add_subcommand("show", "print a report's summary; exit code 0 pass, 1 fail, 3 error");
  g_report.show->add_option("file", g_report.show_file, "the JSON report")->required();
  add_ci_flags(g_report.show, g_report.show_ci);
  g_report.merge = report->add_subcommand("merge", "merge the reports of the shards of one campaign");
  g_report.merge->add_option("files", g_report.merge_files, "shard reports (from `faultline run --shard K/N`)")
      ->required();
  g_report.merge->add_option("-o,--output", g_report.merge_output, "the merged report")->required();
  g_report.corpus = report->add_subcommand("corpus", "add a report's failing trials to a corpus file");
  g_report.corpus->add_option("file", g_report.corpus_report, "the JSON report")->required();
  g_report.corpus->add_option("--append-to", g_report.corpus_file, "corpus file for `faultline run --corpus`")
      ->required();
  g_report.html = report->add_subcommand("html", "write a report as one self-contained HTML page");
  g_report.html->add_option("file", g_report.html_file, "the JSON report")->required();
  g_report.html->add_option("-o,--output", g_report.html_output, "the HTML file")->required();
  g_report.diff = report->add_subcommand(
      "diff", "compare two reports by failure signature; exit 1 when the second has a cause the first has not");
  g_report.diff->add_option("base", g_report.diff_base, "the report to compare against (main's campaign)")->required();
  g_report.diff->add_option("head", g_report.diff_head, "the new report (the pull request's campaign)")->required();
  g_report.diff->add_flag("--github", g_report.diff_github, "also append the comparison to $GITHUB_STEP_SUMMARY");
  return {report, report_command};
}

}  // namespace faultline::cli
