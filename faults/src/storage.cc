// Power loss and at-rest damage, applied by the harness to target files while the engine is down.
//
// Model: see storage.h. A SIGKILL loses nothing, so the files hold every byte the engine wrote; what a power loss
// could additionally take away is computed from the journal's summary: the durable prefix [0, synced_size) stays,
// the unsynced suffix is rewritten by the model, ranges lost to failed fsyncs read back as zeros, and a file whose
// directory was never synced after its creation may disappear. Every choice is drawn from the caller's Rng, in file
// order (std::map order of the relative paths), so a seed names one outcome.
//
//   drop_unsynced     the file is cut at synced_size; created-but-not-dir-synced files always vanish (worst case)
//   random_prefix     a prefix of the unsynced suffix survives: cut at synced_size + below(size - synced_size + 1);
//                     a created-but-not-dir-synced file vanishes with probability 1/2 (drawn first)
//   sector_tear_N     the unsynced suffix is split at multiples of N (the first piece starts at synced_size); each
//                     piece independently stays as written (new), never reached the disk (old), reads as zeros or
//                     as garbage (below(4): 0 old, 1 new, 2 zeros, 3 garbage, drawn in file order); the file ends
//                     after the last piece that is not old, and old pieces before it read as zeros; vanishing as
//                     for random_prefix. Garbage bytes are drawn after all choices, piece by piece (see garbage_range).
#include "faultline/storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace faultline::faults {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void io_error(const fs::path& file, const char* what) {
  throw std::runtime_error(fmt::format("{}: {}: {}", file.string(), what, std::strerror(errno)));
}

class File {
 public:
  explicit File(const fs::path& path) : path_(path), fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC)) {
    if (fd_ < 0) io_error(path_, "cannot open for damage");
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() { ::close(fd_); }

  std::uint64_t size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) io_error(path_, "cannot stat");
    return static_cast<std::uint64_t>(st.st_size);
  }
  void write_at(std::uint64_t off, const unsigned char* data, std::size_t len) {
    while (len > 0) {
      const ssize_t r = ::pwrite(fd_, data, len, static_cast<off_t>(off));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) io_error(path_, "cannot write");
      data += r;
      off += static_cast<std::uint64_t>(r);
      len -= static_cast<std::size_t>(r);
    }
  }
  unsigned char read_byte(std::uint64_t off) {
    unsigned char c = 0;
    const ssize_t r = ::pread(fd_, &c, 1, static_cast<off_t>(off));
    if (r != 1) {
      if (r == 0) errno = EINVAL;
      io_error(path_, "cannot read");
    }
    return c;
  }
  void truncate(std::uint64_t size) {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) io_error(path_, "cannot truncate");
  }
  void sync() {
    if (::fsync(fd_) != 0) io_error(path_, "cannot fsync");
  }
  void check_range(std::uint64_t off, std::uint64_t len) const {
    const std::uint64_t n = size();
    if (off > n || len > n - off) {
      throw std::runtime_error(fmt::format("{}: range [{}, {}) is beyond the end of the file ({} bytes)",
                                           path_.string(), off, off + len, n));
    }
  }

 private:
  fs::path path_;
  int fd_;
};

// Garbage bytes: byte i of a run is byte (i % 8) (little-endian) of the (i / 8)-th rng.next() of that run.
void fill_garbage(File& f, std::uint64_t off, std::uint64_t len, Rng& rng) {
  unsigned char buf[4096];
  std::uint64_t done = 0;
  std::uint64_t word = 0;
  while (done < len) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, len - done));
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = done + i;
      if (k % 8 == 0) word = rng.next();
      buf[i] = static_cast<unsigned char>(word >> (8 * (k % 8)));
    }
    f.write_at(off + done, buf, n);
    done += n;
  }
}

void fill_zeros(File& f, std::uint64_t off, std::uint64_t len) {
  static const unsigned char kZeros[4096] = {};
  while (len > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof kZeros, len));
    f.write_at(off, kZeros, n);
    off += n;
    len -= n;
  }
}

struct Piece {
  std::uint64_t from, to;
  int choice;  // 0 old, 1 new, 2 zeros, 3 garbage
};

// Returns the new size and a description of the pieces.
std::uint64_t tear(File& f, std::uint64_t synced, std::uint64_t size, std::uint64_t sector, Rng& rng,
                   std::string& detail, bool& clean_prefix) {
  std::vector<Piece> pieces;
  for (std::uint64_t at = synced; at < size;) {
    const std::uint64_t end = std::min(size, (at / sector + 1) * sector);
    pieces.push_back({at, end, static_cast<int>(rng.below(4))});
    at = end;
  }
  std::uint64_t new_size = synced;
  for (const Piece& p : pieces) {
    if (p.choice != 0) new_size = p.to;
  }
  bool gap = false;
  clean_prefix = true;
  for (const Piece& p : pieces) {
    if (p.from >= new_size) break;
    if (p.choice == 3 || (p.choice == 1 && gap)) clean_prefix = false;
    if (p.choice != 1) gap = true;
  }
  static const char* const kNames[] = {"old", "new", "zeros", "garbage"};
  detail = fmt::format("{}-byte sectors from {}:", sector, synced);
  for (const Piece& p : pieces) {
    detail += fmt::format(" {}", kNames[p.choice]);
    if (p.from >= new_size) continue;
    if (p.choice == 0 || p.choice == 2) fill_zeros(f, p.from, p.to - p.from);
    if (p.choice == 3) fill_garbage(f, p.from, p.to - p.from, rng);
  }
  f.truncate(new_size);
  return new_size;
}

}  // namespace

const char* to_string(PowerLossModel model) { return power_loss_model_info(model).name; }

PowerLossModel power_loss_model_from_string(const std::string& name) {
  for (const auto& m : kPowerLossModels)
    if (name == m.name) return m.model;
  throw std::invalid_argument(fmt::format(
      "power loss model: expected drop_unsynced, random_prefix, sector_tear_512 or sector_tear_4096, got '{}'", name));
}

std::vector<PowerLossAction> apply_power_loss(const fs::path& data_dir, const std::map<std::string, FileHistory>& histories,
                                              PowerLossModel model, Rng& rng) {
  std::vector<PowerLossAction> actions;
  for (const auto& [name, h] : histories) {
    if (!h.exists) continue;
    const fs::path path = data_dir / name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    PowerLossAction act;
    act.file = name;
    act.synced_size = h.synced_size;
    if (h.created && !h.dir_synced_after_create) {
      const bool vanish = model == PowerLossModel::kDropUnsynced || rng.chance(1, 2);
      if (vanish) {
        act.size_before = fs::file_size(path);
        act.action = "vanished";
        act.detail = "created, but its directory was never synced afterwards";
        if (!fs::remove(path, ec) || ec) throw std::runtime_error(fmt::format("{}: cannot remove: {}", path.string(), ec.message()));
        actions.push_back(std::move(act));
        continue;
      }
    }
    File f(path);
    const std::uint64_t size = f.size();
    const std::uint64_t synced = std::min(h.synced_size, size);
    act.size_before = size;
    std::uint64_t new_size = size;
    switch (model) {
      case PowerLossModel::kDropUnsynced:
        new_size = synced;
        f.truncate(new_size);
        break;
      case PowerLossModel::kRandomPrefix:
        new_size = synced + rng.below(size - synced + 1);
        f.truncate(new_size);
        act.detail = fmt::format("kept {} of {} unsynced bytes", new_size - synced, size - synced);
        break;
      case PowerLossModel::kSectorTear512:
      case PowerLossModel::kSectorTear4096:
        if (synced < size) {
          new_size = tear(f, synced, size, model == PowerLossModel::kSectorTear512 ? 512 : 4096, rng, act.detail,
                          act.clean_prefix);
        }
        break;
    }
    act.size_after = new_size;
    const bool torn = (model == PowerLossModel::kSectorTear512 || model == PowerLossModel::kSectorTear4096) && synced < size;
    act.action = torn ? "torn" : new_size != size ? "truncated" : "kept";
    std::vector<PowerLossAction> zeroed;
    for (const auto& [from, to] : h.lost) {
      const std::uint64_t hi = std::min(to, new_size);
      if (from >= hi) continue;
      fill_zeros(f, from, hi - from);
      zeroed.push_back({name, "lost_range_zeroed", new_size, new_size, h.synced_size,
                        fmt::format("[{}, {}) lost by a failed fsync", from, hi)});
    }
    f.sync();
    actions.push_back(std::move(act));
    for (auto& z : zeroed) actions.push_back(std::move(z));
  }
  return actions;
}

void flip_bit(const fs::path& file, std::uint64_t offset, int bit) {
  if (bit < 0 || bit > 7) throw std::invalid_argument(fmt::format("flip_bit: bit must be 0..7, got {}", bit));
  File f(file);
  f.check_range(offset, 1);
  const auto c = static_cast<unsigned char>(f.read_byte(offset) ^ (1u << bit));
  f.write_at(offset, &c, 1);
  f.sync();
}

void zero_range(const fs::path& file, std::uint64_t offset, std::uint64_t length) {
  File f(file);
  f.check_range(offset, length);
  fill_zeros(f, offset, length);
  f.sync();
}

void garbage_range(const fs::path& file, std::uint64_t offset, std::uint64_t length, Rng& rng) {
  File f(file);
  f.check_range(offset, length);
  fill_garbage(f, offset, length, rng);
  f.sync();
}

void truncate_to(const fs::path& file, std::uint64_t size) {
  File f(file);
  f.truncate(size);
  f.sync();
}

}  // namespace faultline::faults
