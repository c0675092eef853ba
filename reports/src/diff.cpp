// Comparing two reports by failure signature (diff.h).
#include "faultline/reports/diff.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;

std::map<std::string, Group> causes_of(const Report& report) {
  std::map<std::string, Group> out;
  for (auto& g : groups_of(report))
    if (g.verdict != "void") out.emplace(g.signature, std::move(g));
  return out;
}

void sort_like_groups(std::vector<SignatureChange>& changes) {
  std::sort(changes.begin(), changes.end(), [](const SignatureChange& a, const SignatureChange& b) {
    const auto rank = [](const std::string& v) { return v == "fail" ? 0 : 1; };
    return std::tuple(rank(a.group.verdict), -static_cast<long long>(std::max(a.before, a.after)), a.group.signature) <
           std::tuple(rank(b.group.verdict), -static_cast<long long>(std::max(b.before, b.after)), b.group.signature);
  });
}

std::string md(std::string_view text) {
  return detail::escape_markdown(detail::one_line(detail::clean_text(text)));
}

}  // namespace

ReportDiff diff_reports(const Report& base, const Report& head) {
  ReportDiff d;
  d.base_status = to_string(base.status);
  d.head_status = to_string(head.status);
  const auto a = causes_of(base), b = causes_of(head);
  for (const auto& [id, g] : b) {
    const auto it = a.find(id);
    SignatureChange c{g, it == a.end() ? 0 : it->second.count, g.count};
    (it == a.end() ? d.added : c.before != c.after ? d.changed : d.unchanged).push_back(std::move(c));
  }
  for (const auto& [id, g] : a)
    if (!b.count(id)) d.removed.push_back({g, g.count, 0});
  for (auto* list : {&d.added, &d.removed, &d.changed, &d.unchanged}) sort_like_groups(*list);
  return d;
}

ReportDiff diff_reports(const ordered_json& base, const ordered_json& head) {
  return diff_reports(report_from_json(base), report_from_json(head));
}

int diff_exit_code(const ReportDiff& diff) { return diff.anything_new() ? 1 : 0; }

std::string render_diff_text(const ReportDiff& d, const std::string& base_name, const std::string& head_name) {
  std::string out = fmt::format("faultline report diff: {} ({}) → {} ({}): {} new, {} gone, {} changed, {} unchanged\n",
                                base_name, d.base_status, head_name, d.head_status, d.added.size(), d.removed.size(),
                                d.changed.size(), d.unchanged.size());
  const auto line = [](char mark, const SignatureChange& c) {
    return fmt::format("{} {}  {:>4} → {:<4} {}\n", mark, c.group.signature, c.before, c.after,
                       detail::one_line(detail::clean_text(c.group.title)));
  };
  for (const auto& c : d.added)
    out += line('+', c) + fmt::format("      reproduce: {}\n", detail::clean_text(c.group.repro.command));
  for (const auto& c : d.removed) out += line('-', c);
  for (const auto& c : d.changed) out += line('~', c);
  for (const auto& c : d.unchanged) out += line('=', c);
  return out;
}

std::string render_diff_markdown(const ReportDiff& d, const std::string& base_name, const std::string& head_name) {
  std::string out = fmt::format("## {} Faultline: {} new cause{} ({} → {})\n\n", d.anything_new() ? "❌" : "✅",
                                d.added.size(), d.added.size() == 1 ? "" : "s", md(base_name), md(head_name));
  out += fmt::format("{} new · {} gone · {} changed in count · {} unchanged (status {} → {})\n\n", d.added.size(),
                     d.removed.size(), d.changed.size(), d.unchanged.size(), md(d.base_status), md(d.head_status));
  const auto table = [&](const char* heading, const std::vector<SignatureChange>& list, bool repro) {
    if (list.empty()) return std::string();
    std::string t = fmt::format("### {}\n\n| signature | before | after | cause |{}\n|---|--:|--:|---|{}\n", heading,
                                repro ? " reproduce |" : "", repro ? "---|" : "");
    for (const auto& c : list) {
      t += fmt::format("| `{}` | {} | {} | {} |", c.group.signature, c.before, c.after, md(c.group.title));
      if (repro) t += fmt::format(" `{}` |", detail::clean_text(c.group.repro.command));
      t += "\n";
    }
    return t + "\n";
  };
  out += table("New", d.added, true) + table("Gone", d.removed, false) + table("Changed in count", d.changed, false);
  return out;
}

}  // namespace faultline::reports
