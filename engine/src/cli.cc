#include "walkv/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "walkv/data_dir.h"
#include "walkv/tools.h"

namespace walkv {

int Main(Env* env, int argc, char** argv) {
  CLI::App app{"walkv: a write-ahead-log key-value engine for crash testing (engine protocol v1)", "walkv"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "walkv 0.1.0");

  ServeOptions serve;
  std::string recovery = "torn-tail", sync = "always";
  CLI::App* serve_cmd = app.add_subcommand("serve", "recover the log, print READY, serve requests on stdin/stdout");
  serve_cmd->add_option("--dir", serve.dir, "data directory (created if missing)")->required();
  serve_cmd->add_option("--recovery", recovery, "strict | torn-tail | point-in-time (salvage: use walkv repair)")
      ->check(CLI::IsMember({"strict", "torn-tail", "point-in-time", "salvage"}));
  serve_cmd->add_option("--sync", sync, "always | batch | none: when an OK is sent relative to fsync")
      ->check(CLI::IsMember({"always", "batch", "none"}));
  serve_cmd->add_option("--compact-after", serve.compact_after,
                        "compact the log (snapshot, new log) after every N writes; 0 (default): only on COMPACT")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 40));
  serve_cmd->add_option("--protocol", serve.protocol,
                        "engine protocol version: 1 (default; values are words of up to 64 characters) or 2 (READY v2; "
                        "values of any byte in hex, up to 64 KiB)")
      ->check(CLI::Range(1, 2));

  std::string dir;
  CLI::App* check_cmd = app.add_subcommand("check", "read-only verdict on the log as one JSON object; exit 0 clean, 1 damaged");
  check_cmd->add_option("--dir", dir, "data directory")->required();
  CLI::App* dump_cmd = app.add_subcommand("dump", "every frame as a JSON line, damaged spans included");
  dump_cmd->add_option("--dir", dir, "data directory")->required();

  RepairOptions repair;
  std::string repair_mode;
  CLI::App* repair_cmd = app.add_subcommand("repair", "cut or salvage a damaged log, keeping a backup of what goes");
  repair_cmd->add_option("--dir", repair.dir, "data directory")->required();
  repair_cmd->add_option("--mode", repair_mode, "truncate: cut at the first damage; salvage: keep later valid records")
      ->required()
      ->check(CLI::IsMember({"truncate", "salvage"}));
  repair_cmd->add_flag("--yes", repair.yes, "do not ask before changing the log");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "walkv: " << e.what() << "\nRun 'walkv --help' for usage.\n";
    return kExitUsage;
  }

  if (serve_cmd->parsed()) {
    serve.recovery = *ParseRecoveryMode(recovery);
    serve.sync = *ParseSyncMode(sync);
    if (serve.recovery == RecoveryMode::kSalvage) {
      std::cerr << "walkv: --recovery salvage is offline only: it drops damaged records, which an operator must see "
                   "first. Run: walkv repair --dir "
                << serve.dir << " --mode salvage\n";
      return kExitUsage;
    }
    return RunServe(env, serve, 0, 1);
  }
  if (check_cmd->parsed()) return RunCheck(env, dir, 1);
  if (dump_cmd->parsed()) return RunDump(env, dir, 1);
  repair.mode = repair_mode == "salvage" ? RepairMode::kSalvage : RepairMode::kTruncate;
  return RunRepair(env, repair, 0, 1);
}

}  // namespace walkv
