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

#include <loadkit/core_types.hpp>
#include <loadkit/detail/recorder/errors.hpp>
#include <loadkit/detail/recorder/series.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

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

[[nodiscard]] inline latency_summary summarize(const histogram& h) {
    return {h.count(),
            h.min(),
            h.mean(),
            h.value_at_percentile(50.0),
            h.value_at_percentile(90.0),
            h.value_at_percentile(95.0),
            h.value_at_percentile(99.0),
            h.value_at_percentile(99.9),
            h.max(),
            h.stddev()};
}

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
    explicit op_stats(const histogram_options& precision, latency_model model = latency_model::closed)
        : latency(precision) {
        if (model == latency_model::open) {
            service_time.emplace(precision);
        }
    }

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
    [[nodiscard]] const error_category* find_error(std::string_view category) const noexcept {
        for (const auto& c : error_categories) {
            if (c.name == category) {
                return &c;
            }
        }
        return nullptr;
    }

    // Exact merge of operations that ran side by side (other runners): counts and histograms add,
    // duration is the longer one. An empty side adopts the other's histogram configuration; two
    // non-empty histograms of different configurations throw std::invalid_argument.
    op_stats& operator+=(const op_stats& other) {
        check_mergeable(latency, other.latency); // before changing anything
        if (service_time && other.service_time) {
            check_mergeable(*service_time, *other.service_time);
        }
        ok += other.ok;
        errors += other.errors;
        timeouts += other.timeouts;
        dropped += other.dropped;
        detail::merge_error_categories(error_categories, other.error_categories);
        add_histogram(latency, other.latency);
        if (other.service_time) {
            if (service_time) {
                add_histogram(*service_time, *other.service_time);
            } else {
                service_time = other.service_time;
            }
        }
        duration = other.duration > duration ? other.duration : duration;
        return *this;
    }
    // Removes an earlier state of the same recording (how the recorder splits steady state from
    // warm-up). duration is left alone: the caller knows the window.
    op_stats& operator-=(const op_stats& earlier) {
        const auto minus = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
        ok = minus(ok, earlier.ok);
        errors = minus(errors, earlier.errors);
        timeouts = minus(timeouts, earlier.timeouts);
        dropped = minus(dropped, earlier.dropped);
        detail::subtract_error_categories(error_categories, earlier.error_categories);
        latency -= earlier.latency;
        if (service_time && earlier.service_time) {
            *service_time -= *earlier.service_time;
        }
        return *this;
    }
    // Member-wise, without a temporary op_stats (GCC 12 misreads one holding an optional histogram
    // as maybe-uninitialized).
    void swap(op_stats& other) noexcept {
        std::swap(ok, other.ok);
        std::swap(errors, other.errors);
        std::swap(timeouts, other.timeouts);
        std::swap(dropped, other.dropped);
        error_categories.swap(other.error_categories);
        std::swap(latency, other.latency);
        service_time.swap(other.service_time);
        std::swap(duration, other.duration);
    }
    friend void swap(op_stats& a, op_stats& b) noexcept { a.swap(b); }
    friend bool operator==(const op_stats&, const op_stats&) = default;

private:
    static void check_mergeable(const histogram& into, const histogram& from) {
        if (!into.empty() && !from.empty() && !into.same_config(from)) {
            static_cast<void>(into + from); // throws std::invalid_argument naming the difference
        }
    }
    static void add_histogram(histogram& into, const histogram& from) {
        if (into.empty() && !into.same_config(from)) {
            into = from;
        } else {
            into += from;
        }
    }
};

// One tag's result: the steady state (the op_stats fields), the warm-up apart (present when the
// run had one), and the time series of all its operations, warm-up included.
struct tag_result : op_stats {
    std::string name;               // "" for run_result::overall
    std::optional<op_stats> warmup; // operations recorded before the warm-up ended
    interval_series intervals;

    tag_result() = default;
    tag_result(std::string tag_name, const histogram_options& precision, latency_model model)
        : op_stats(precision, model), name(std::move(tag_name)) {}

    tag_result& operator+=(const tag_result& other) {
        op_stats::operator+=(other);
        if (other.warmup) {
            if (warmup) {
                *warmup += *other.warmup;
            } else {
                warmup = other.warmup;
            }
        }
        intervals += other.intervals;
        return *this;
    }
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

    [[nodiscard]] const tag_result* find(std::string_view tag) const noexcept {
        for (const auto& t : tags) {
            if (t.name == tag) {
                return &t;
            }
        }
        return nullptr;
    }
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
    run_result& operator+=(const run_result& other) {
        if (other.empty()) {
            return *this;
        }
        if (empty()) {
            *this = other;
            return *this;
        }
        if (model != other.model) {
            throw std::invalid_argument(
                std::string("loadkit::run_result::operator+=: latency_model differs (") + to_string(model) +
                " vs " + to_string(other.model) + ")");
        }
        if (other.reason > reason) {
            reason = other.reason;
            reason_text = other.reason_text;
        }
        duration = other.duration > duration ? other.duration : duration;
        warmup = other.warmup > warmup ? other.warmup : warmup;
        for (const auto& t : other.tags) {
            bool merged = false;
            for (auto& mine : tags) {
                if (mine.name == t.name) {
                    mine += t;
                    merged = true;
                    break;
                }
            }
            if (!merged) {
                tags.push_back(t);
            }
        }
        detail::small_sort(tags, [](const tag_result& a, const tag_result& b) { return a.name < b.name; });
        overall += other.overall;
        return *this;
    }
    friend bool operator==(const run_result&, const run_result&) = default;
};

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_RESULT_HPP
