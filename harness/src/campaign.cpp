#include "faultline/harness/campaign.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "faultline/harness/supervisor.h"
#include "kept_trials.h"
#include "placement.h"

namespace faultline::harness {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TrialList::TrialList(const CampaignConfig& config) : config_(config) {
  const std::size_t n = config.scenarios.size();
  auto scenario_index = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < n; ++i)
      if (config.scenarios[i].name == name) return i;
    throw scenarios::ConfigError(fmt::format("--corpus: scenario '{}' is not part of this campaign", name));
  };
  for (const auto& [name, seed] : config.corpus) corpus_.push_back({corpus_.size(), scenario_index(name), seed});
  std::uint64_t generated = config.trials.value_or(100);
  if (config.seed_range) {
    const auto [first, last] = *config.seed_range;
    generated = last - first == UINT64_MAX ? UINT64_MAX : last - first + 1;
  }
  total_ = static_cast<std::size_t>(std::min<std::uint64_t>(generated, SIZE_MAX - corpus_.size()) + corpus_.size());
  const auto shards = std::max<std::size_t>(1, config.shard_count);
  size_ = total_ > config.shard_index ? (total_ - config.shard_index + shards - 1) / shards : 0;
}

TrialRef TrialList::operator[](std::size_t k) const {
  const std::size_t index = config_.shard_index + k * std::max<std::size_t>(1, config_.shard_count);
  if (index < corpus_.size()) return corpus_[index];
  const std::uint64_t j = index - corpus_.size();
  const std::size_t scenario = static_cast<std::size_t>(j % config_.scenarios.size());
  if (config_.seed_range) return {index, scenario, config_.seed_range->first + j};
  return {index, scenario, trial_seed(config_.seed, j)};
}

TrialList plan_trials(const CampaignConfig& config) { return TrialList(config); }

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    const bool plain = !a.empty() && a.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./=:,+{}") == std::string::npos;
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += (out.empty() ? "" : " ") + (plain ? a : quoted + "'");
  }
  return out;
}

std::vector<std::string> repro_argv(const CampaignConfig& config, const std::string& scenario, std::uint64_t seed) {
  std::vector<std::string> argv = config.argv_prefix;
  argv.insert(argv.end(), {"repro", "--scenario", scenario, "--seed", std::to_string(seed)});
  argv.insert(argv.end(), config.repro_extra.begin(), config.repro_extra.end());
  return argv;
}

namespace {

class Aggregator {
 public:
  Aggregator(const CampaignConfig& config, CampaignResult& result)
      : config_(config), result_(result), kept_(config.keep_failed_max) {
    if (!config.all_trials_jsonl.empty()) {
      all_.open(config.all_trials_jsonl, std::ios::trunc);
      if (!all_) throw std::runtime_error(fmt::format("--all-trials {}: cannot open it for writing",
                                                      config.all_trials_jsonl.string()));
    }
  }

  void add(const TrialRef& ref, TrialResult trial) {
    std::lock_guard lock(mutex_);
    ++result_.total;
    const std::string verdict = to_string(trial.verdict);
    ++result_.per_scenario[trial.scenario][verdict];
    switch (trial.verdict) {
      case Verdict::kPass: ++result_.passed; break;
      case Verdict::kFail: ++result_.failed; break;
      case Verdict::kVoid: ++result_.voided; break;
      case Verdict::kError: ++result_.errors; break;
    }
    for (const auto& v : trial.violations) ++result_.per_violation[v.name];
    for (const auto& [file, why] : trial.untracked_files) {
      auto& [reason, trials] = result_.untracked_files[file];
      if (reason.empty()) reason = why;
      ++trials;
    }
    count_coverage(trial);
    if (all_) {
      nlohmann::ordered_json line{{"index", ref.index}, {"scenario", trial.scenario},
                                  {"seed", std::to_string(trial.seed)}, {"verdict", verdict},
                                  {"trace_hash", trial.trace_hash}, {"seconds", trial.seconds},
                                  {"coverage", reports::to_json(trial.coverage)},
                                  {"observed", reports::to_json(trial.observed)}};
      all_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    if (!config_.keep_all && !keep(ref.index, trial)) {
      std::error_code ec;
      fs::remove_all(trial.artifacts, ec);
      trial.artifacts.clear();
    }
    if (trial.verdict != Verdict::kPass) result_.failures.emplace_back(ref.index, std::move(trial));
  }

  // Called with mutex_ held (KeptTrials, harness/src/kept_trials.h, says which).
  bool keep(std::size_t index, const TrialResult& trial) {
    if (trial.verdict == Verdict::kPass) return false;
    const auto decision = kept_.offer(index);
    if (decision.evict) {
      for (auto& [i, failure] : result_.failures) {
        if (i != *decision.evict) continue;
        std::error_code ec;
        fs::remove_all(failure.artifacts, ec);
        failure.artifacts.clear();
      }
    }
    return decision.keep;
  }

  std::size_t done() { std::lock_guard lock(mutex_); return result_.total; }
  std::size_t bad() { std::lock_guard lock(mutex_); return result_.failed + result_.errors; }
  std::size_t failed() { std::lock_guard lock(mutex_); return result_.failed; }

 private:
  void count_coverage(const TrialResult& trial) {
    const auto& c = trial.coverage;
    if (c.kind.empty()) return;
    auto& kind = reports::entry(result_.coverage, c.kind);
    ++kind.trials;
    if (trial.verdict != Verdict::kVoid) ++kind.fired;
    ++reports::entry(kind.fields, c.field);
    // Which files, which of an operation's writes and which regions of a file the faults hit (docs/report.md).
    const std::pair<reports::Counts*, const std::string*> tables[] = {
        {&kind.files, &c.file}, {&kind.writes, &c.write}, {&kind.regions, &c.region}, {&kind.rewrites, &c.rewrite}};
    for (const auto& [table, value] : tables)
      if (!value->empty()) ++reports::entry(*table, *value);
    // Faults bucketed by position in the workload: which eighth of the operations was in flight when it landed.
    const auto op = c.op.value_or(UINT64_MAX), operations = c.operations.value_or(0);
    if (operations > 0 && op < operations) ++reports::entry(kind.record_position, fmt::format("{}/8", op * 8 / operations));
  }

  const CampaignConfig& config_;
  CampaignResult& result_;
  std::mutex mutex_;
  std::ofstream all_;
  detail::KeptTrials kept_;
};

TrialConfig trial_config(const CampaignConfig& config, const TrialRef& ref, const std::string& suffix = "") {
  TrialConfig t;
  t.scenario = config.scenarios[ref.scenario];
  t.profile = config.profile;
  t.seed = ref.seed;
  t.work_dir = config.work_root / fmt::format("{}-{}{}", t.scenario.name, ref.seed, suffix);
  t.shim = config.shim;
  t.bindir = config.bindir;
  return t;
}

void show_progress(std::size_t done, std::size_t total, std::size_t bad, Clock::time_point start, bool final) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %zu failing, %.1f trials/s, ETA %.0f s", done, total, bad, rate, eta);
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

// Determinism: rerun an evenly spread sample and compare trace hashes; a stop signal ends it between trials.
void check_determinism(const CampaignConfig& config, const TrialList& refs,
                       const std::atomic<bool>& interrupted, CampaignResult& result) {
  const auto step = std::max<std::size_t>(1, refs.size() / config.determinism_sample);
  for (std::size_t i = 0; i < refs.size() && result.determinism_checked < config.determinism_sample; i += step) {
    if (interrupted.load()) break;
    auto a = run_trial(trial_config(config, refs[i], "-det-a"));
    auto b = run_trial(trial_config(config, refs[i], "-det-b"));
    std::error_code ec;
    fs::remove_all(a.artifacts, ec);
    fs::remove_all(b.artifacts, ec);
    ++result.determinism_checked;
    if (a.trace_hash != b.trace_hash)
      result.determinism_mismatches.push_back({a.scenario, std::to_string(a.seed), a.trace_hash, b.trace_hash,
                                               to_string(a.verdict), to_string(b.verdict)});
  }
}

// Why the campaign ran fewer trials than planned, if it did (docs/report.md, "run.incomplete").
void mark_incomplete(const CampaignConfig& config, std::size_t planned, bool interrupted, bool out_of_time,
                     CampaignResult& result) {
  if (interrupted && (result.total < planned || result.determinism_checked < config.determinism_sample)) {
    result.incomplete = true;
    result.interrupted = true;
    result.incomplete_reason = result.total < planned ? "interrupted"
                                                      : fmt::format("interrupted during the determinism check ({} of "
                                                                    "{} trials compared)", result.determinism_checked,
                                                                    config.determinism_sample);
  } else if (!result.harness_error.empty()) {
    result.incomplete = true;
    result.incomplete_reason = result.harness_error;
  } else if (config.exit_first && result.failed > 0 && result.total < planned) {
    result.incomplete = true;
    result.incomplete_reason = "stopped at the first failing trial (--exitfirst)";
  } else if (out_of_time && result.total < planned) {
    result.incomplete = true;
    result.incomplete_reason = fmt::format("time budget of {} s reached", *config.time_budget_s);
  }
}

// The workers of one campaign and what they share: the next trial to take, and the three reasons to stop taking
// trials besides a stop signal (the time budget, --exitfirst, a campaign that cannot go on).
class Workers {
 public:
  Workers(const CampaignConfig& config, const TrialList& refs, const std::atomic<bool>& interrupted,
          CampaignResult& result)
      : config_(config), refs_(refs), interrupted_(interrupted), result_(result), aggregate_(config, result) {}

  // Runs every trial of `refs` (or until a reason to stop) on config.jobs threads, and joins them.
  void run() {
    // A thread that cannot start (no memory for its stack, RLIMIT_NPROC) stops the campaign cleanly: the threads
    // already running are joined, never left joinable (that would be std::terminate), and the report says why it is
    // partial.
    std::vector<std::thread> threads;
    const std::uint32_t jobs = std::max(1u, config_.jobs);
    for (std::uint32_t j = 0; j < jobs && !stop_.load(); ++j) {
      try {
        threads.emplace_back([this, j, jobs] {
          placement::enter_worker(j, jobs);  // its engines run on its CPU (placement.h)
          work();
        });
      } catch (const std::exception& e) {
        fail_campaign(fmt::format("could not start worker thread {} of {}: {} (lower --jobs or raise the limits)",
                                  j + 1, jobs, e.what()));
      }
    }
    while (config_.progress && aggregate_.done() < refs_.size() && !stopped()) {
      show(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    for (auto& t : threads) t.join();
    if (config_.progress) show(true);
  }

  bool out_of_time() const { return out_of_time_.load(); }
  bool cannot_go_on() const { return stop_.load(); }  // a worker did not start or the aggregation failed

 private:
  bool stopped() {
    return interrupted_.load() || out_of_time_.load() || stop_.load() || (config_.exit_first && aggregate_.failed() > 0);
  }

  void work() {
    try {
      for (;;) {
        if (stopped()) return;
        if (config_.time_budget_s &&
            std::chrono::duration<double>(Clock::now() - start_).count() > *config_.time_budget_s) {
          out_of_time_ = true;
          return;
        }
        const auto i = next_.fetch_add(1);
        if (i >= refs_.size()) return;
        TrialResult trial = run_one(refs_[i]);
        if (supervisor::stopping()) {  // its engines were killed by a second stop signal: not a result
          std::error_code ec;
          fs::remove_all(trial.artifacts, ec);
          return;
        }
        aggregate_.add(refs_[i], std::move(trial));
      }
    } catch (const std::exception& e) {  // out of memory while aggregating: stop, and keep what was counted
      fail_campaign(fmt::format("a worker stopped: {}", e.what()));
    }
  }

  // run_trial reports engine and harness problems in its result; anything escaping it is still one trial's error,
  // never the end of the campaign.
  TrialResult run_one(const TrialRef& ref) {
    TrialResult trial;
    try {
      trial = run_trial(trial_config(config_, ref));
    } catch (const std::exception& e) {
      trial.scenario = config_.scenarios[ref.scenario].name;
      trial.seed = ref.seed;
      trial.verdict = Verdict::kError;
      trial.error = fmt::format("harness error: {}", e.what());
    }
    return trial;
  }

  void fail_campaign(const std::string& what) {
    std::lock_guard lock(error_mutex_);
    if (result_.harness_error.empty()) result_.harness_error = what;
    stop_ = true;
  }

  void show(bool final) { show_progress(aggregate_.done(), refs_.size(), aggregate_.bad(), start_, final); }

  const CampaignConfig& config_;
  const TrialList& refs_;
  const std::atomic<bool>& interrupted_;
  CampaignResult& result_;
  Aggregator aggregate_;
  const Clock::time_point start_ = Clock::now();
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> out_of_time_{false};
  std::atomic<bool> stop_{false};
  std::mutex error_mutex_;
};

}  // namespace

CampaignResult run_campaign(const CampaignConfig& config, const std::atomic<bool>& interrupted) {
  CampaignResult result;
  const auto refs = plan_trials(config);
  result.planned = refs.size();
  const auto start = Clock::now();
  Workers workers(config, refs, interrupted, result);
  workers.run();
  std::sort(result.failures.begin(), result.failures.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (config.determinism_sample > 0 && !interrupted.load() && !workers.cannot_go_on())
    check_determinism(config, refs, interrupted, result);
  mark_incomplete(config, refs.size(), interrupted.load(), workers.out_of_time(), result);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace faultline::harness
