// SPDX-License-Identifier: MIT
// The result's bodies (declared in result.hpp): latency summaries and the exact merges and
// subtractions of op_stats, tag_result and run_result. The body of result.hpp: included at its end
// in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_RESULT_IPP
#define LOADKIT_IMPL_RESULT_IPP

#include <loadkit/core_types.hpp>
#include <loadkit/detail/recorder/errors.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL latency_summary summarize(const histogram& h) {
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

LOADKIT_DECL op_stats::op_stats(const histogram_options& precision, latency_model model)
    : latency(precision) {
    if (model == latency_model::open) {
        service_time.emplace(precision);
    }
}

LOADKIT_DECL const error_category* op_stats::find_error(std::string_view category) const noexcept {
    for (const auto& c : error_categories) {
        if (c.name == category) {
            return &c;
        }
    }
    return nullptr;
}

LOADKIT_DECL op_stats& op_stats::operator+=(const op_stats& other) {
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

LOADKIT_DECL op_stats& op_stats::operator-=(const op_stats& earlier) {
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

LOADKIT_DECL void op_stats::swap(op_stats& other) noexcept {
    std::swap(ok, other.ok);
    std::swap(errors, other.errors);
    std::swap(timeouts, other.timeouts);
    std::swap(dropped, other.dropped);
    error_categories.swap(other.error_categories);
    std::swap(latency, other.latency);
    service_time.swap(other.service_time);
    std::swap(duration, other.duration);
}

LOADKIT_DECL void op_stats::check_mergeable(const histogram& into, const histogram& from) {
    if (!into.empty() && !from.empty() && !into.same_config(from)) {
        static_cast<void>(into + from); // throws std::invalid_argument naming the difference
    }
}

LOADKIT_DECL void op_stats::add_histogram(histogram& into, const histogram& from) {
    if (into.empty() && !into.same_config(from)) {
        into = from;
    } else {
        into += from;
    }
}

LOADKIT_DECL tag_result::tag_result(std::string tag_name, const histogram_options& precision,
                                    latency_model model)
    : op_stats(precision, model), name(std::move(tag_name)) {}

LOADKIT_DECL tag_result& tag_result::operator+=(const tag_result& other) {
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

LOADKIT_DECL const tag_result* run_result::find(std::string_view tag) const noexcept {
    for (const auto& t : tags) {
        if (t.name == tag) {
            return &t;
        }
    }
    return nullptr;
}

LOADKIT_DECL run_result& run_result::operator+=(const run_result& other) {
    if (other.empty()) {
        return *this;
    }
    if (empty()) {
        *this = other;
        return *this;
    }
    if (model != other.model) {
        throw std::invalid_argument(std::string("loadkit::run_result::operator+=: latency_model differs (") +
                                    to_string(model) + " vs " + to_string(other.model) + ")");
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

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_RESULT_IPP
