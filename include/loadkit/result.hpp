// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::run_result — what a run measured, per tag (operation name) and overall: outcome counts,
// errors by category with sample messages, latency histograms, a time series, the warm-up apart
// from the steady state, and why the run stopped. A recorder (recorder.hpp) produces it; SLO
// verdicts (slo.hpp) and reporters read it. Results of several runners merge exactly with +=.
//
//   const loadkit::tag_result& all = result.overall;
//   std::printf("%llu ops, %.2f %% errors, p95 %lld ns, %.1f ops/s\n", (unsigned long long)all.count(),
//               100 * all.error_rate(), (long long)all.latency.value_at_percentile(95).count(),
//               all.throughput());
//
// Definitions. count() = ok + errors + timeouts: the operations that ran. dropped operations never
// started (an open-model profile at max_in_flight) and are in no latency histogram. error_rate() =
// (errors + timeouts) / count(). The latency histogram holds every operation that ran, failed ones
// too (a fast failure is still a response; error_rate judges it). In an open-model run, latency is
// the response time (from the intended start: coordinated omission included) and service_time the
// time from the actual start; a closed-model run has latency only (latency_model says which).
#ifndef LOADKIT_RESULT_HPP
#define LOADKIT_RESULT_HPP

#include <loadkit/config.hpp>
#include <loadkit/core_types.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// The figures a summary prints, from one histogram (0 for an empty one).
struct latency_summary {
    std::uint64_t count = 0;
    std::chrono::nanoseconds min{};
    std::chrono::duration<double, std::nano> mean{};
    std::chrono::nanoseconds p50{};
    std::chrono::nanoseconds p90{};
    std::chrono::nanoseconds p95{};
    std::chrono::nanoseconds p99{};
    std::chrono::nanoseconds p999{};
    std::chrono::nanoseconds max{};
    std::chrono::duration<double, std::nano> stddev{};
};

[[nodiscard]] LOADKIT_DECL latency_summary summarize(const histogram& h);

// The operations of one window (steady state or warm-up) of one tag or of the whole run.
struct op_stats {
    std::uint64_t ok = 0;
    std::uint64_t errors = 0;                     // failed with an error (counted by category below)
    std::uint64_t timeouts = 0;                   // ran past their timeout
    std::uint64_t dropped = 0;                    // never started
    std::vector<error_category> error_categories; // sorted by name
    histogram latency;                            // see the header comment
    std::optional<histogram> service_time;        // open model only
    std::chrono::nanoseconds duration{};          // the window these operations ran in

    op_stats() = default;
    explicit op_stats(const histogram_options& precision, latency_model model = latency_model::closed);

    [[nodiscard]] std::uint64_t count() const noexcept { return ok + errors + timeouts; }
    [[nodiscard]] std::uint64_t failed() const noexcept { return errors + timeouts; }
    // failed() / count(); 0 when nothing ran.
    [[nodiscard]] double error_rate() const noexcept {
        return count() == 0 ? 0.0 : static_cast<double>(failed()) / static_cast<double>(count());
    }
    [[nodiscard]] double success_rate() const noexcept {
        return count() == 0 ? 0.0 : static_cast<double>(ok) / static_cast<double>(count());
    }
    // Operations that ran per second of duration; 0 for a zero duration.
    [[nodiscard]] double throughput() const noexcept {
        const double seconds = std::chrono::duration<double>(duration).count();
        return seconds > 0.0 ? static_cast<double>(count()) / seconds : 0.0;
    }
    [[nodiscard]] latency_summary summary() const { return summarize(latency); }
    [[nodiscard]] const error_category* find_error(std::string_view category) const noexcept;

    // Exact merge of operations that ran side by side (other runners): counts and histograms add,
    // duration is the longer one. An empty side adopts the other's histogram configuration; two
    // non-empty histograms of different configurations throw std::invalid_argument.
    op_stats& operator+=(const op_stats& other);
    // Removes an earlier state of the same recording (how the recorder splits steady state from
    // warm-up). duration is left alone: the caller knows the window.
    op_stats& operator-=(const op_stats& earlier);
    // Member-wise, without a temporary op_stats (GCC 12 misreads one holding an optional histogram
    // as maybe-uninitialized).
    void swap(op_stats& other) noexcept;
    friend void swap(op_stats& a, op_stats& b) noexcept { a.swap(b); }
    friend bool operator==(const op_stats&, const op_stats&) = default;

private:
    static void check_mergeable(const histogram& into, const histogram& from);
    static void add_histogram(histogram& into, const histogram& from);
};

// One tag's result: the steady state (the op_stats fields), the warm-up apart (present when the
// run had one), and the time series of all its operations, warm-up included.
struct tag_result : op_stats {
    std::string name;               // "" for run_result::overall
    std::optional<op_stats> warmup; // operations recorded before the warm-up ended
    interval_series intervals;

    tag_result() = default;
    tag_result(std::string tag_name, const histogram_options& precision, latency_model model);

    tag_result& operator+=(const tag_result& other);
    friend bool operator==(const tag_result&, const tag_result&) = default;
};

struct run_result {
    latency_model model = latency_model::closed;
    stop_reason reason = stop_reason::completed;
    std::string reason_text;             // e.g. the SLO line that aborted the run
    std::chrono::nanoseconds duration{}; // start to end, warm-up included
    std::chrono::nanoseconds warmup{};   // length of the warm-up window (0: none)
    tag_result overall;                  // every tag together (name "")
    std::vector<tag_result> tags;        // sorted by name

    [[nodiscard]] const tag_result* find(std::string_view tag) const noexcept;
    // find(tag), or overall for an empty tag.
    [[nodiscard]] const tag_result* scope(std::string_view tag) const noexcept {
        return tag.empty() ? &overall : find(tag);
    }
    [[nodiscard]] bool empty() const noexcept {
        return tags.empty() && overall.count() == 0 && overall.dropped == 0 && duration.count() == 0;
    }

    // Merges the result of a runner that ran at the same time (another thread, process or
    // machine): exact in every count, histogram and interval; duration is the longer one and the
    // stop reason the more severe. An empty result adopts the other. Merging an open-model result
    // into a closed-model one throws std::invalid_argument.
    run_result& operator+=(const run_result& other);
    friend bool operator==(const run_result&, const run_result&) = default;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/result.ipp>
#endif

#endif // LOADKIT_RESULT_HPP
