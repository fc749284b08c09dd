// The benchmark's data: key names, the value every key always holds (so a get
// can be checked byte for byte without remembering what was sent), and the
// key choosers (uniform, zipfian).
#ifndef MEMGATE_BENCH_KEY_SPACE_H_
#define MEMGATE_BENCH_KEY_SPACE_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace memgate::bench {

// splitmix64: small, fast, good enough to pick keys and operations.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// Key i is `prefix` followed by i in decimal, zero-padded to kDigits, so all
// keys have the same length and a reply's key maps back to its index.
class KeySpace {
 public:
  static constexpr size_t kDigits = 9;

  KeySpace(std::string prefix, uint64_t keys, size_t value_size)
      : prefix_(std::move(prefix)), keys_(keys), value_size_(value_size) {
    // The fill is an alphanumeric cycle; key i's value starts at offset
    // i % kOffsets into it, and its first bytes spell the index (when the
    // value is long enough), so a value stored under the wrong key is caught.
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    fill_.resize(value_size_ + kOffsets);
    for (size_t i = 0; i < fill_.size(); ++i) fill_[i] = kAlphabet[i % kAlphabet.size()];
  }

  uint64_t keys() const { return keys_; }
  size_t value_size() const { return value_size_; }
  size_t key_size() const { return prefix_.size() + kDigits; }
  std::string_view prefix() const { return prefix_; }

  // Writes key i (key_size() bytes) at out.
  void WriteKey(uint64_t i, char* out) const {
    std::memcpy(out, prefix_.data(), prefix_.size());
    WriteDigits(i, out + prefix_.size());
  }

  // Parses a key back to its index; false if it is not one of ours.
  bool ParseKey(std::string_view key, uint64_t* index) const {
    if (key.size() != key_size() || key.substr(0, prefix_.size()) != prefix_) return false;
    uint64_t v = 0;
    for (char c : key.substr(prefix_.size())) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    *index = v;
    return v < keys_;
  }

  // Writes key i's value (value_size() bytes) at out.
  void WriteValue(uint64_t i, char* out) const {
    std::memcpy(out, fill_.data() + i % kOffsets, value_size_);
    if (value_size_ >= kDigits + 1) {
      WriteDigits(i, out);
      out[kDigits] = ':';
    }
  }

  // True if `value` is exactly key i's value.
  bool CheckValue(uint64_t i, std::string_view value) const {
    if (value.size() != value_size_) return false;
    size_t head = 0;
    if (value_size_ >= kDigits + 1) {
      char digits[kDigits];
      WriteDigits(i, digits);
      if (std::memcmp(value.data(), digits, kDigits) != 0 || value[kDigits] != ':') return false;
      head = kDigits + 1;
    }
    return std::memcmp(value.data() + head, fill_.data() + i % kOffsets + head,
                       value_size_ - head) == 0;
  }

 private:
  static constexpr size_t kOffsets = 61;

  static void WriteDigits(uint64_t v, char* out) {
    for (size_t d = kDigits; d-- > 0;) {
      out[d] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  }

  std::string prefix_;
  uint64_t keys_;
  size_t value_size_;
  std::string fill_;
};

// Picks key indices in [0, n): uniformly, or zipfian with exponent theta
// (Gray et al., "Quickly generating billion-record synthetic databases", as in
// YCSB), where index 0 is the hottest key.
class KeyChooser {
 public:
  KeyChooser(uint64_t n, bool zipf, double theta) : n_(n), zipf_(zipf), theta_(theta) {
    if (!zipf_) return;
    zetan_ = Zeta(n_, theta_);
    const double zeta2 = Zeta(2, theta_);
    alpha_ = 1.0 / (1.0 - theta_);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n_), 1.0 - theta_)) / (1.0 - zeta2 / zetan_);
    half_pow_theta_ = 1.0 + std::pow(0.5, theta_);
  }

  uint64_t Next(Rng& rng) const {
    if (!zipf_) return rng.Below(n_);
    const double u = rng.NextDouble();
    const double uz = u * zetan_;
    if (uz < 1.0) return 0;
    if (uz < half_pow_theta_) return 1 % n_;
    const auto v =
        static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return v < n_ ? v : n_ - 1;
  }

 private:
  static double Zeta(uint64_t n, double theta) {
    double sum = 0;
    for (uint64_t i = 1; i <= n; ++i) sum += 1.0 / std::pow(static_cast<double>(i), theta);
    return sum;
  }

  uint64_t n_;
  bool zipf_;
  double theta_;
  double zetan_ = 0, alpha_ = 0, eta_ = 0, half_pow_theta_ = 0;
};

}  // namespace memgate::bench

#endif  // MEMGATE_BENCH_KEY_SPACE_H_
