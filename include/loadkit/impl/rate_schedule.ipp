// SPDX-License-Identifier: MIT
// The body of rate_schedule.hpp: building a schedule (validation, the stage boundaries' counts).
#ifndef LOADKIT_IMPL_RATE_SCHEDULE_IPP
#define LOADKIT_IMPL_RATE_SCHEDULE_IPP

#include <loadkit/detail/text/rate_text.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL rate_schedule::rate_schedule(double start_rate, std::vector<rate_stage> stages)
    : start_rate_(start_rate), stages_(std::move(stages)) {
    build("rate_schedule", "start_rate", "stages[");
}

LOADKIT_DECL rate_schedule rate_schedule::constant(double rate, std::chrono::nanoseconds duration) {
    return rate_schedule{rate, duration, constant_tag{}};
}

LOADKIT_DECL rate_schedule::rate_schedule(double rate, std::chrono::nanoseconds duration, constant_tag)
    : start_rate_(rate) {
    stages_.push_back(rate_stage{rate, duration});
    build("rate_schedule::constant", "rate", nullptr);
}

// The integral as a whole number of arrivals. Products like 0.29/s * 100 s come out as
// 28.999999999999996: a value within rounding noise of an integer counts as that integer.
LOADKIT_DECL std::uint64_t rate_schedule::whole_arrivals(double integral) noexcept {
    const double nearest = std::round(integral);
    const double noise = std::min(1e-3, 1e-13 * std::max(1.0, integral));
    return static_cast<std::uint64_t>(std::abs(integral - nearest) <= noise ? nearest : std::floor(integral));
}

LOADKIT_DECL bool rate_schedule::valid_rate(double rate) noexcept {
    return std::isfinite(rate) && rate >= 0.0;
}

LOADKIT_DECL void rate_schedule::build(const char* owner, const char* start_field, const char* stage_prefix) {
    constexpr const char* rate_expected = "a finite rate >= 0 per second";
    auto field = [&](std::size_t i, const char* member) {
        return stage_prefix == nullptr ? std::string(member)
                                       : std::string(stage_prefix) + std::to_string(i) + "]." + member;
    };
    if (!valid_rate(start_rate_)) {
        detail::throw_rate_option(owner, start_field, detail::rate_number(start_rate_), rate_expected);
    }
    if (stages_.empty()) {
        detail::throw_rate_option(owner, "stages", "{} (empty)", "at least one stage");
    }
    segments_.reserve(stages_.size());
    double rate = start_rate_;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const rate_stage& stage = stages_[i];
        if (!valid_rate(stage.target)) {
            detail::throw_rate_option(owner, field(i, stage_prefix == nullptr ? "rate" : "target"),
                                      detail::rate_number(stage.target), rate_expected);
        }
        const std::int64_t length = stage.duration.count();
        if (length <= 0 || length > std::numeric_limits<std::int64_t>::max() - total_ns_) {
            detail::throw_rate_option(owner, field(i, "duration"), detail::rate_duration(stage.duration),
                                      length <= 0 ? "> 0" : "a total duration below 292 years");
        }
        const double span = seconds(length);
        const segment s{total_ns_,
                        length,
                        rate,
                        (stage.target - rate) / span,
                        total_integral_,
                        0.5 * (rate + stage.target) * span};
        segments_.push_back(s);
        total_ns_ += length;
        total_integral_ += s.count;
        rate = stage.target;
    }
    if (!(total_integral_ < 9e18)) {
        detail::throw_rate_option(owner, "total_count", detail::rate_number(total_integral_),
                                  "fewer than 9e18 arrivals");
    }
    total_count_ = whole_arrivals(total_integral_);
    if (total_count_ == 0) {
        detail::throw_rate_option(owner, "total_count",
                                  "0 (integral of the rate = " + detail::rate_number(total_integral_) + ")",
                                  "at least one arrival");
    }
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_RATE_SCHEDULE_IPP
