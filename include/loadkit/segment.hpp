// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::execution_segment — the part of one load test this process runs, so that one test can be
// split over many processes and machines and their union is exactly the one-process test (k6's
// execution segments, k6 issue #997).
//
//   loadkit::run({.segment = loadkit::execution_segment::parse("1/4:2/4")}, scenario);  // [1/4, 2/4)
//   loadkit::run({.segment = loadkit::execution_segment::shard(1, 4)}, scenario);       // the same
//   loadkit::run({.segment_from_environment = true}, scenario); // LOADKIT_SEGMENT, or mpirun/srun/k8s
//
// A segment is a half-open range [from, to) of [0, 1) with exact rational bounds. Spellings:
// "1/4:2/4", "0:1/3", "0.25:0.5" (a range), and "i/N" (shard i of N, 0-based: [i/N, (i+1)/N)).
// Unlike k6, where a lone "1/4" means "0:1/4", a lone fraction here is a shard: what
// LOADKIT_SEGMENT=$RANK/$SIZE in a launcher script means.
//
// How a segment takes its share (the engine applies it to every profile):
// - Counted items (burst n, *_vus and *_iterations users, a wave's size, max_in_flight): of n items
//   numbered 0 .. n-1, the block [floor(n * from), floor(n * to)). Over any partition of [0, 1)
//   the blocks tile 0 .. n-1 (the sums telescope) and each is within 1 of n * (to - from): 10
//   users over 3 shards are 3, 3 and 4.
// - Sequences (an open model's arrivals k = 0, 1, 2 ..., ramping_vus' users in the order they
//   start): item k belongs to the segment that holds the point p(k), the van der Corput sequence
//   (k's 64 bits reversed, read as a fraction of 2^64). Every item has one point, so over any
//   partition of [0, 1) each item goes to exactly one segment, whatever the other segments are and
//   without knowing them (no coordinator); and a sequence split this way keeps its order and times.
//   Of the first K items, a segment whose bounds are multiples of 1/2^m holds floor or ceil of
//   K * (to - from) (each aligned block of 2^m consecutive items puts one point in each cell of
//   width 2^-m); other segments stay within about log2(K) of it (van der Corput's discrepancy; no
//   sequence does better for every segment at once — Schmidt 1972): 3 shards of 6,000 arrivals
//   hold 2,002, 2,000 and 1,998.
#ifndef LOADKIT_SEGMENT_HPP
#define LOADKIT_SEGMENT_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

// A bound of a segment: num / den in [0, 1], kept in lowest terms.
struct segment_bound {
    std::uint64_t num = 0;
    std::uint64_t den = 1;

    friend bool operator==(const segment_bound&, const segment_bound&) = default;
};

class execution_segment {
public:
    // Denominators above this are refused: the striping's arithmetic stays exact in 64 bits.
    static constexpr std::uint64_t max_denominator = 1'000'000'000;

    // The whole test, [0, 1).
    execution_segment() = default;
    // [from, to) (k6's names); throws std::invalid_argument naming the bound and its value unless
    // 0 <= from < to <= 1 with denominators in 1 .. max_denominator.
    execution_segment(segment_bound from, segment_bound to);

    // "1/4:2/4", "0:1/3", "0.25:0.5" or "i/N"; throws std::invalid_argument naming the text.
    [[nodiscard]] static execution_segment parse(std::string_view text);
    // Shard index of count, 0-based: [index / count, (index + 1) / count).
    [[nodiscard]] static execution_segment shard(std::uint64_t index, std::uint64_t count);

    // The bounds (not begin()/end(): a segment is no container, and generic code would take it for one).
    [[nodiscard]] segment_bound from() const noexcept { return begin_; }
    [[nodiscard]] segment_bound to() const noexcept { return end_; }
    [[nodiscard]] bool whole() const noexcept { return begin_.num == 0 && end_.num == end_.den; }
    [[nodiscard]] double width() const noexcept {
        return static_cast<double>(end_.num) / static_cast<double>(end_.den) -
               static_cast<double>(begin_.num) / static_cast<double>(begin_.den);
    }
    // As given ("1/4:2/4" stays unreduced), or "i/N:(i+1)/N" for a shard; "0:1" for the whole test.
    [[nodiscard]] const std::string& text() const noexcept { return text_; }

    // Counted items: this segment's block [first_of(n), first_of(n) + count_of(n)) of 0 .. n-1.
    [[nodiscard]] std::uint64_t first_of(std::uint64_t n) const noexcept;
    [[nodiscard]] std::uint64_t count_of(std::uint64_t n) const noexcept;

    // Sequences: whether item k is this segment's (its van der Corput point is in [from, to)).
    [[nodiscard]] bool owns(std::uint64_t k) const noexcept {
        const std::uint64_t p = reverse_bits(k);
        return p >= low_ && (to_one_ || p < high_);
    }
    // How many of items 0 .. n-1 are this segment's.
    [[nodiscard]] std::uint64_t owned_below(std::uint64_t n) const noexcept;
    // The index of this segment's r-th item (0-based), found in O(64^2) steps.
    [[nodiscard]] std::uint64_t nth_owned(std::uint64_t r) const noexcept;

    // Same bounds (the text may differ: "2/4" is "1/2").
    friend bool operator==(const execution_segment& a, const execution_segment& b) noexcept {
        return a.begin_ == b.begin_ && a.end_ == b.end_;
    }

    static constexpr std::uint64_t reverse_bits(std::uint64_t x) noexcept {
        x = ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
        x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
        x = ((x >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((x & 0x0F0F0F0F0F0F0F0FULL) << 4);
        x = ((x >> 8) & 0x00FF00FF00FF00FFULL) | ((x & 0x00FF00FF00FF00FFULL) << 8);
        x = ((x >> 16) & 0x0000FFFF0000FFFFULL) | ((x & 0x0000FFFF0000FFFFULL) << 16);
        return (x >> 32) | (x << 32);
    }

private:
    segment_bound begin_{0, 1};
    segment_bound end_{1, 1};
    std::uint64_t low_ = 0;  // ceil(begin * 2^64): the first point inside
    std::uint64_t high_ = 0; // ceil(end * 2^64): the first point past the end, unless to_one_
    bool to_one_ = true;     // end == 1 (2^64 does not fit)
    std::string text_ = "0:1";
};

// Where a run's segment came from, for the report: "option" (run_options::segment),
// "LOADKIT_SEGMENT", or a launcher ("kubernetes", "mpi", "slurm") with its rank and size.
struct segment_assignment {
    execution_segment segment{};
    std::string source = "option";
    std::optional<std::uint64_t> rank{}; // the launcher's index of this process (0-based)
    std::optional<std::uint64_t> size{}; // the launcher's number of processes

    // "1/4:2/4 (mpi rank 1 of 4)", "0:1/3 (LOADKIT_SEGMENT)".
    [[nodiscard]] std::string describe() const;
};

namespace detail {
// segment_from_environment's body: `lookup(context, name)` reads a variable.
[[nodiscard]] LOADKIT_DECL std::optional<segment_assignment>
segment_from_lookup(const char* (*lookup)(const void* context, const char* name), const void* context);
} // namespace detail

// The segment this process should run, read from the environment, first that is set:
//   LOADKIT_SEGMENT                                 any spelling above
//   JOB_COMPLETION_INDEX + LOADKIT_SEGMENT_COUNT    a Kubernetes Indexed Job ("kubernetes"); the Job
//                                                   manifest sets LOADKIT_SEGMENT_COUNT to its completions
//   OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE, PMI_RANK/PMI_SIZE, PMIX_RANK with PMIX_SIZE or
//   OMPI_COMM_WORLD_SIZE                            an MPI launcher ("mpi")
//   SLURM_PROCID/SLURM_NTASKS                       srun ("slurm"; not sbatch's batch step, which
//                                                   runs once but sees every task's count)
// Launchers found together must agree on rank and size (srun under MPI sets both). nullopt when
// none is set. Throws std::invalid_argument naming the variable and value for a malformed number, a
// rank >= size, a size of 0, a rank without its size, or launchers that disagree.
//
// `lookup(name)` reads a variable: its value, or nullptr when unset (std::getenv's contract), so a
// test passes a map instead of racing on setenv. A template rather than std::function: this
// header stays free of <functional>.
template <class Lookup>
[[nodiscard]] std::optional<segment_assignment> segment_from_environment(const Lookup& lookup) {
    return detail::segment_from_lookup(
        [](const void* context, const char* name) -> const char* {
            return (*static_cast<const Lookup*>(context))(name);
        },
        &lookup);
}
// The same on this process's environment (std::getenv).
[[nodiscard]] LOADKIT_DECL std::optional<segment_assignment> segment_from_environment();

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/segment.ipp>
#endif

#endif // LOADKIT_SEGMENT_HPP
