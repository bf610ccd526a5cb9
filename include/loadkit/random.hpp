// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::rng — a small, fast, seedable random generator for virtual users.
//
//   loadkit::rng r{42};
//   const auto user = r.below(1000);                 // 0 .. 999
//   const double x = r.uniform(0.5, 1.5);
//   if (r.chance(0.01)) { ... }                      // 1 % of the time
//   std::shuffle(v.begin(), v.end(), r);             // a UniformRandomBitGenerator
//
// Every virtual user gets its own rng seeded from the run's seed, the scenario and its id, so a
// run is reproducible and no generator is shared between threads. std::mt19937_64 would cost
// 2.5 KiB per virtual user; xoshiro256** (Blackman & Vigna, 2018) is 32 bytes and passes BigCrush.
#ifndef LOADKIT_RANDOM_HPP
#define LOADKIT_RANDOM_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>
#include <limits>

namespace loadkit {
inline namespace v0_1 {

class rng {
public:
    using result_type = std::uint64_t;

    // Seeds the state by SplitMix64 (Steele, Lea & Flood, 2014), as the xoshiro authors advise.
    explicit rng(std::uint64_t seed = 0x853c49e6748fea9bULL) noexcept {
        for (auto& word : state_) {
            word = splitmix64(seed);
        }
    }
    // A generator for one member of a family (virtual user `stream` of a run seeded `seed`).
    rng(std::uint64_t seed, std::uint64_t stream) noexcept : rng(mix(seed, stream)) {}

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    result_type operator()() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1), 53 random bits.
    double next_double() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
    // Uniform in [low, high).
    double uniform(double low, double high) noexcept { return low + (high - low) * next_double(); }
    // Uniform in [0, n), without modulo bias (Lemire, "Fast Random Integer Generation in an
    // Interval", 2019). n = 0 gives 0.
    std::uint64_t below(std::uint64_t n) noexcept {
        if (n == 0) {
            return 0;
        }
#if defined(__SIZEOF_INT128__)
        __extension__ using u128 = unsigned __int128; // __extension__: no -Wpedantic warning
        u128 product = static_cast<u128>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(product);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                product = static_cast<u128>((*this)()) * n;
                low = static_cast<std::uint64_t>(product);
            }
        }
        return static_cast<std::uint64_t>(product >> 64);
#else
        const std::uint64_t threshold = (0 - n) % n; // 2^64 mod n: reject the biased low end
        std::uint64_t x = (*this)();
        while (x < threshold) {
            x = (*this)();
        }
        return x % n;
#endif
    }
    // Uniform in [low, high] (inclusive).
    std::int64_t between(std::int64_t low, std::int64_t high) noexcept {
        if (high <= low) {
            return low;
        }
        const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
        const std::uint64_t offset = span == max() ? (*this)() : below(span + 1);
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + offset);
    }
    // A duration uniform in [low, high], at nanosecond resolution (between(2ms, 8ms) can give 7.3 ms).
    template <class R1, class P1, class R2, class P2>
    std::chrono::nanoseconds between(std::chrono::duration<R1, P1> low,
                                     std::chrono::duration<R2, P2> high) noexcept {
        const auto lo = std::chrono::duration_cast<std::chrono::nanoseconds>(low).count();
        const auto hi = std::chrono::duration_cast<std::chrono::nanoseconds>(high).count();
        return std::chrono::nanoseconds{
            between(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi))};
    }
    // True with probability p.
    bool chance(double p) noexcept { return next_double() < p; }

    static constexpr std::uint64_t mix(std::uint64_t seed, std::uint64_t stream) noexcept {
        std::uint64_t x = seed ^ (stream * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
        return splitmix64(x);
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4];
};

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_RANDOM_HPP
