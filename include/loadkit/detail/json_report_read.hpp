// SPDX-License-Identifier: MIT
//
// JSON -> run_report, schema "loadkit-report" version 1 (the inverse of json_report_write.hpp).
// Strict: every member of the schema must be there, with its type; unknown or duplicate members,
// another schema or version, and histograms whose counters disagree with their totals or extremes
// are errors (json_error: line, column, member path and what was expected). Histograms are rebuilt
// exactly from their counters, so reports of several processes merge exactly (report/merge.hpp).
#ifndef LOADKIT_DETAIL_JSON_REPORT_READ_HPP
#define LOADKIT_DETAIL_JSON_REPORT_READ_HPP

#include <loadkit/detail/histogram_layout.hpp>
#include <loadkit/detail/json_reader.hpp>
#include <loadkit/detail/json_report_write.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

// A histogram as the JSON holds it, before it is rebuilt.
struct json_histogram_fields {
    std::uint64_t sub_bucket_count = 0;
    std::int64_t highest = 0;
    std::uint64_t count = 0;
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::uint64_t clamped_low = 0;
    std::uint64_t clamped_high = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> counters; // (index, count), ascending index
};

// (index, count) pairs -> (lowest value, count) pairs in layout; "" or why they do not fit.
inline std::string counters_to_values(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& counters,
                                      const histogram_layout& layout,
                                      std::vector<std::pair<std::int64_t, std::uint64_t>>& out) {
    out.clear();
    for (const auto& [index, n] : counters) {
        if (index >= layout.counts_len) {
            return "counts: counter " + std::to_string(index) + " is beyond the last one (" +
                   std::to_string(layout.counts_len - 1) + ")";
        }
        out.emplace_back(static_cast<std::int64_t>(layout.lowest_of(static_cast<std::size_t>(index))), n);
    }
    return {};
}

// The histogram holding exactly these counters, totals and extremes; "" or why there is none.
// histogram has no setter for its exact min/max, so they come from arithmetic it defines: record
// every counter plus min and max once more, then subtract a histogram of just {min, max}.
// operator-= sets min/max to the edges of the first/last counters kept within the old extremes,
// i.e. to min and max themselves, whichever way the original was made (recorded, merged or
// itself a difference of snapshots, as steady-state histograms are).
inline std::string rebuild_histogram(const json_histogram_fields& f, histogram& out) {
    const auto bits = static_cast<unsigned>(std::bit_width(f.sub_bucket_count)) - 1U;
    if (f.sub_bucket_count < 2 || (f.sub_bucket_count & (f.sub_bucket_count - 1)) != 0 ||
        bits > histogram_max_sub_bucket_bits) {
        return "sub_bucket_count = " + std::to_string(f.sub_bucket_count) +
               " (expected a power of two 2 .. 262144)";
    }
    if (f.highest < 2) {
        return "highest_ns = " + std::to_string(f.highest) + " (expected >= 2)";
    }
    const histogram_options options{.max_relative_error = 1.0 / static_cast<double>(f.sub_bucket_count),
                                    .highest = std::chrono::nanoseconds{f.highest}};
    out = histogram(options);
    if (f.count == 0) {
        return f.counters.empty() && f.clamped_low == 0 && f.clamped_high == 0 && f.min == 0 && f.max == 0
                   ? std::string()
                   : "an empty histogram (count 0) with counters, clamped values or extremes other than 0";
    }
    const histogram_layout layout = make_histogram_layout(0, options.max_relative_error, f.highest);
    const auto index = [&](std::int64_t v) { return layout.index_of(static_cast<std::uint64_t>(v)); };
    std::vector<std::pair<std::int64_t, std::uint64_t>> buckets; // (lowest value, count)
    if (std::string problem = counters_to_values(f.counters, layout, buckets); !problem.empty()) {
        return problem;
    }
    std::uint64_t sum = 0;
    for (const auto& b : buckets) {
        if (b.second > std::numeric_limits<std::uint64_t>::max() - sum) {
            return "counts: the counts overflow";
        }
        sum += b.second;
    }
    if (sum != f.count || buckets.empty()) {
        return "count = " + std::to_string(f.count) + " but the counters hold " + std::to_string(sum);
    }
    const auto first = buckets.front().first;
    const auto last = buckets.back().first;
    if (f.min < 0 || f.max < f.min || index(f.min) != index(first) || f.max > f.highest ||
        index(f.max) != index(last)) {
        return "min_ns / max_ns (" + std::to_string(f.min) + ", " + std::to_string(f.max) +
               ") must lie in the first / last counter";
    }
    if ((f.clamped_low > 0 && (f.min != 0 || f.clamped_low > buckets.front().second || first != 0)) ||
        (f.clamped_high > 0 &&
         (f.max != f.highest || f.highest == std::numeric_limits<std::int64_t>::max()))) {
        return "clamped_low / clamped_high disagree with min_ns / max_ns and the counters";
    }
    if (f.clamped_low > 0) {
        out.record(-1, f.clamped_low); // counted as clamped, filed at 0
    }
    if (f.clamped_high > 0) {
        out.record(f.highest + 1, f.clamped_high); // counted as clamped, filed at highest
    }
    const std::size_t top = index(f.highest);
    for (const auto& [value, count] : buckets) {
        const std::size_t at = index(value);
        const std::uint64_t clamped = (at == 0 ? f.clamped_low : 0) + (at == top ? f.clamped_high : 0);
        if (clamped > count) {
            return "clamped_low / clamped_high exceed the count of their counter";
        }
        out.record(value < f.min ? f.min : (value > f.max ? f.max : value), count - clamped);
    }
    histogram extremes(options);
    extremes.record(f.min);
    extremes.record(f.max);
    out.record(f.min);
    out.record(f.max);
    out -= extremes;
    if (out.count() != f.count || out.min().count() != f.min || out.max().count() != f.max ||
        out.clamped_low_count() != f.clamped_low || out.clamped_high_count() != f.clamped_high) {
        return "the counters cannot hold these extremes and clamped counts";
    }
    return {};
}

class json_report_reader {
public:
    explicit json_report_reader(std::string_view text) : r_(text) {}

    run_report report() {
        run_report out;
        static constexpr std::array<std::string_view, 14> keys{
            "schema", "version", "generator?", "summary?", "title", "started_unix_ns", "scenarios",
            "result", "slo",     "resources",  "leak",     "stuck", "capacity",        "$schema?"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                if (r_.string() != json_schema_name) {
                    r_.fail("expected \"loadkit-report\" (this is not a loadkit report)");
                }
                break;
            case 1: {
                const std::uint64_t v = r_.u64();
                if (v != json_schema_version) {
                    r_.fail("version " + std::to_string(v) + " is not supported: loadkit " +
                            std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
                            std::to_string(version.patch) + " reads version " +
                            std::to_string(json_schema_version) + " reports");
                }
                break;
            }
            case 4:
                r_.string(out.title);
                break;
            case 5:
                out.started = std::chrono::system_clock::time_point{
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        std::chrono::nanoseconds{r_.i64()})};
                break;
            case 6:
                r_.array([&](std::size_t) { out.scenarios.push_back(scenario()); });
                break;
            case 7:
                out.result = result();
                break;
            case 8:
                if (!r_.null()) {
                    out.slo = slo();
                }
                break;
            case 9:
                r_.array([&](std::size_t) { out.resources.push_back(resource()); });
                break;
            case 10:
                if (!r_.null()) {
                    out.leak = leak();
                }
                break;
            case 11:
                r_.array([&](std::size_t) { out.stuck.push_back(stuck()); });
                break;
            case 12:
                if (!r_.null()) {
                    out.capacity = capacity();
                }
                break;
            default: // generator, summary, $schema: for people and tools
                r_.skip();
            }
        });
        r_.finish();
        return out;
    }

private:
    template <class E, std::size_t N> E name(const std::array<std::string_view, N>& names) {
        const std::string s = r_.string();
        std::string known;
        for (std::size_t i = 0; i < N; ++i) {
            if (names[i] == s) {
                return static_cast<E>(i);
            }
            known += (i == 0 ? "\"" : ", \"") + std::string(names[i]) + "\"";
        }
        r_.fail("expected one of " + known + ", found \"" + utf8_repaired(s) + "\"");
    }
    std::chrono::nanoseconds ns() { return std::chrono::nanoseconds{r_.i64()}; }
    std::size_t size() {
        const std::uint64_t v = r_.u64();
        if (v > std::numeric_limits<std::size_t>::max()) {
            r_.fail("value out of range");
        }
        return static_cast<std::size_t>(v);
    }

    scenario_summary scenario() {
        scenario_summary s;
        static constexpr std::array<std::string_view, 5> keys{"name", "profile", "model", "start_offset_ns",
                                                              "operations"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.string(s.name);
            } else if (k == 1) {
                r_.string(s.profile);
            } else if (k == 2) {
                s.model = name<latency_model>(json_latency_models);
            } else if (k == 3) {
                s.start_offset = ns();
            } else {
                r_.array([&](std::size_t) { s.operations.push_back(r_.string()); });
            }
        });
        return s;
    }

    run_result result() {
        run_result out;
        static constexpr std::array<std::string_view, 7> keys{
            "model", "reason", "reason_text", "duration_ns", "warmup_ns", "overall", "tags"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                out.model = name<latency_model>(json_latency_models);
                break;
            case 1:
                out.reason = name<stop_reason>(json_stop_reasons);
                break;
            case 2:
                r_.string(out.reason_text);
                break;
            case 3:
                out.duration = ns();
                break;
            case 4:
                out.warmup = ns();
                break;
            case 5:
                out.overall = tag();
                break;
            default:
                r_.array([&](std::size_t) { out.tags.push_back(tag()); });
            }
        });
        return out;
    }

    // op_stats' members (keys 0..8) in a tag_result or a warm-up object.
    bool stats_member(op_stats& s, std::size_t k) {
        switch (k) {
        case 0:
            r_.skip(); // summary
            break;
        case 1:
            s.ok = r_.u64();
            break;
        case 2:
            s.errors = r_.u64();
            break;
        case 3:
            s.timeouts = r_.u64();
            break;
        case 4:
            s.dropped = r_.u64();
            break;
        case 5:
            s.duration = ns();
            break;
        case 6:
            r_.array([&](std::size_t) { s.error_categories.push_back(category()); });
            break;
        case 7:
            s.latency = dense();
            break;
        case 8:
            if (!r_.null()) {
                s.service_time = dense();
            }
            break;
        default:
            return false;
        }
        return true;
    }

    tag_result tag() {
        tag_result t;
        static constexpr std::array<std::string_view, 12> keys{
            "summary?",         "ok",      "errors",       "timeouts", "dropped", "duration_ns",
            "error_categories", "latency", "service_time", "name",     "warmup",  "intervals"};
        r_.object(keys, [&](std::size_t k) {
            if (stats_member(t, k)) {
                return;
            }
            if (k == 9) {
                r_.string(t.name);
            } else if (k == 10) {
                if (!r_.null()) {
                    op_stats w;
                    static constexpr std::array<std::string_view, 9> warmup_keys{
                        "summary?",         "ok",      "errors",      "timeouts", "dropped", "duration_ns",
                        "error_categories", "latency", "service_time"};
                    r_.object(warmup_keys, [&](std::size_t j) { stats_member(w, j); });
                    t.warmup = std::move(w);
                }
            } else {
                t.intervals = series();
            }
        });
        return t;
    }

    error_category category() {
        error_category c;
        static constexpr std::array<std::string_view, 4> keys{"name", "count", "other_messages", "messages"};
        static constexpr std::array<std::string_view, 2> message_keys{"text", "count"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.string(c.name);
            } else if (k == 1) {
                c.count = r_.u64();
            } else if (k == 2) {
                c.other_messages = r_.u64();
            } else {
                r_.array([&](std::size_t) {
                    error_message m;
                    r_.object(message_keys, [&](std::size_t j) {
                        if (j == 0) {
                            r_.string(m.text);
                        } else {
                            m.count = r_.u64();
                        }
                    });
                    c.messages.push_back(std::move(m));
                });
            }
        });
        return c;
    }

    // HdrHistogram-style run-length counts (json_report_writer::counts) into (index, count) pairs.
    void counts_list(std::vector<std::pair<std::uint64_t, std::uint64_t>>& out) {
        static constexpr const char* expected = "a count > 0, or -k for k empty counters";
        std::uint64_t index = 0;
        bool after_run = false;
        r_.array([&](std::size_t) {
            const auto [negative, v] = r_.signed_magnitude(expected);
            if (v == 0) {
                r_.fail(std::string("expected ") + expected + ", found 0");
            }
            if (negative) {
                if (after_run || v > (std::uint64_t{1} << 40) - index) {
                    r_.fail("expected one run of empty counters at a time, within 2^40 counters");
                }
                index += v;
            } else {
                out.emplace_back(index++, v);
            }
            after_run = negative;
        });
        if (after_run) {
            r_.fail("expected the counts to end with a count, not a run of empty counters");
        }
    }

    histogram dense() {
        const std::size_t at = r_.mark();
        json_histogram_fields f;
        static constexpr std::array<std::string_view, 9> keys{"summary?",    "sub_bucket_count", "highest_ns",
                                                              "count",       "min_ns",           "max_ns",
                                                              "clamped_low", "clamped_high",     "counts"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                r_.skip();
                break;
            case 1:
                f.sub_bucket_count = r_.u64();
                break;
            case 2:
                f.highest = r_.i64();
                break;
            case 3:
                f.count = r_.u64();
                break;
            case 4:
                f.min = r_.i64();
                break;
            case 5:
                f.max = r_.i64();
                break;
            case 6:
                f.clamped_low = r_.u64();
                break;
            case 7:
                f.clamped_high = r_.u64();
                break;
            default:
                counts_list(f.counters);
            }
        });
        histogram h;
        const std::string problem = rebuild_histogram(f, h);
        if (!problem.empty()) {
            r_.fail_at(at, "inconsistent histogram: " + problem);
        }
        return h;
    }

    // A sparse histogram is rebuilt through a dense one at its resolution (2 significant digits:
    // the same counters), reused between intervals so that only its occupied range is touched.
    sparse_histogram sparse() {
        const std::size_t at = r_.mark();
        std::uint64_t count = 0;
        counters_.clear();
        static constexpr std::array<std::string_view, 3> keys{"summary?", "count", "counts"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.skip();
            } else if (k == 1) {
                count = r_.u64();
            } else {
                counts_list(counters_);
            }
        });
        sparse_histogram out;
        static const histogram_layout layout = json_sparse_layout();
        std::string problem = counters_to_values(counters_, layout, buckets_);
        std::uint64_t sum = 0;
        for (const auto& b : buckets_) {
            if (b.second >= (std::uint64_t{1} << 48)) {
                problem = "a count of 2^48 or more";
            }
            sum += b.second;
        }
        if (problem.empty() && sum != count) {
            problem = "count = " + std::to_string(count) + " but the counters hold " + std::to_string(sum);
        }
        if (!problem.empty()) {
            r_.fail_at(at, "inconsistent interval histogram: " + problem);
        }
        if (buckets_.empty()) {
            return out;
        }
        const std::int64_t top = buckets_.back().first < 2 ? 2 : buckets_.back().first;
        if (!scratch_ || scratch_->highest().count() < top) {
            scratch_.emplace(
                histogram_options{.significant_digits = 2, .highest = std::chrono::nanoseconds{top}});
        }
        for (const auto& [value, n] : buckets_) {
            scratch_->record(value, n);
        }
        out.add(*scratch_);
        scratch_->reset();
        return out;
    }

    interval_series series() {
        interval_series s;
        static constexpr std::array<std::string_view, 4> keys{"width_ns", "max_intervals", "sub_bucket_count",
                                                              "intervals"};
        static constexpr std::array<std::string_view, 6> interval_keys{"start_ns", "ok",      "errors",
                                                                       "timeouts", "dropped", "latency"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                s.width = ns();
            } else if (k == 1) {
                s.max_intervals = size();
            } else if (k == 2) {
                if (r_.u64() != (std::uint64_t{1} << sparse_histogram::sub_bucket_bits)) {
                    r_.fail("expected 256 (interval histograms have 2 significant digits)");
                }
            } else {
                r_.array([&](std::size_t i) {
                    interval_stats st;
                    r_.object(interval_keys, [&](std::size_t j) {
                        switch (j) {
                        case 0:
                            if (ns() != s.width * static_cast<std::int64_t>(i)) {
                                r_.fail("expected start_ns = index * width_ns");
                            }
                            break;
                        case 1:
                            st.ok = r_.u64();
                            break;
                        case 2:
                            st.errors = r_.u64();
                            break;
                        case 3:
                            st.timeouts = r_.u64();
                            break;
                        case 4:
                            st.dropped = r_.u64();
                            break;
                        default:
                            st.latency = sparse();
                        }
                    });
                    s.intervals.push_back(std::move(st));
                });
            }
        });
        return s;
    }

    objective objective_() {
        objective o;
        static constexpr std::array<std::string_view, 11> keys{"text?",          "metric",
                                                               "parameter",      "op",
                                                               "limit",          "tag",
                                                               "confidence",     "abort_on_fail",
                                                               "abort_grace_ns", "abort_when_confident",
                                                               "source"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                r_.skip(); // derived: o.text()
                break;
            case 1:
                o.metric = name<slo_metric>(json_slo_metrics);
                break;
            case 2:
                o.parameter = r_.number();
                break;
            case 3:
                o.op = name<slo_op>(json_slo_ops);
                break;
            case 4:
                o.limit = r_.number();
                break;
            case 5:
                r_.string(o.tag);
                break;
            case 6:
                o.confidence = r_.number();
                break;
            case 7:
                o.abort_on_fail = r_.boolean();
                break;
            case 8:
                o.abort_grace = ns();
                break;
            case 9:
                o.abort_when_confident = r_.boolean();
                break;
            default:
                r_.string(o.source);
            }
        });
        return o;
    }

    slo_report slo() {
        slo_report out;
        static constexpr std::array<std::string_view, 2> keys{"summary?", "verdicts"};
        static constexpr std::array<std::string_view, 13> verdict_keys{
            "line",     "objective", "passed", "statistical", "has_data",  "measured", "limit",
            "binomial", "trials",    "bad",    "allowed_bad", "bad_upper", "bad_lower"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.skip();
                return;
            }
            r_.array([&](std::size_t) {
                objective_verdict v;
                r_.object(verdict_keys, [&](std::size_t j) {
                    switch (j) {
                    case 0:
                        r_.string(v.line);
                        break;
                    case 1:
                        v.target = objective_();
                        break;
                    case 2:
                        v.passed = r_.boolean();
                        break;
                    case 3:
                        v.statistical = name<verdict>(json_verdicts);
                        break;
                    case 4:
                        v.has_data = r_.boolean();
                        break;
                    case 5:
                        v.measured = r_.number();
                        break;
                    case 6:
                        v.limit = r_.number();
                        break;
                    case 7:
                        v.binomial = r_.boolean();
                        break;
                    case 8:
                        v.trials = r_.u64();
                        break;
                    case 9:
                        v.bad = r_.u64();
                        break;
                    case 10:
                        v.allowed_bad = r_.number();
                        break;
                    case 11:
                        v.bad_upper = r_.number();
                        break;
                    default:
                        v.bad_lower = r_.number();
                    }
                });
                out.verdicts.push_back(std::move(v));
            });
        });
        return out;
    }

    template <class T> std::optional<T> optional_unsigned() {
        if (r_.null()) {
            return std::nullopt;
        }
        const std::uint64_t v = r_.u64();
        if (v > std::numeric_limits<T>::max()) {
            r_.fail("value out of range");
        }
        return static_cast<T>(v);
    }
    std::optional<std::chrono::microseconds> optional_us() {
        if (r_.null()) {
            return std::nullopt;
        }
        return std::chrono::microseconds{r_.i64()};
    }

    process_sample resource() {
        process_sample s;
        static constexpr std::array<std::string_view, 8> keys{
            "at_ns",       "rss_bytes",     "peak_rss_bytes", "heap_in_use_bytes",
            "cpu_user_us", "cpu_system_us", "threads",        "open_fds"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                s.at = std::chrono::steady_clock::time_point{
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(ns())};
                break;
            case 1:
                s.rss_bytes = optional_unsigned<std::uint64_t>();
                break;
            case 2:
                s.peak_rss_bytes = optional_unsigned<std::uint64_t>();
                break;
            case 3:
                s.heap_in_use_bytes = optional_unsigned<std::uint64_t>();
                break;
            case 4:
                s.cpu_user = optional_us();
                break;
            case 5:
                s.cpu_system = optional_us();
                break;
            case 6:
                s.threads = optional_unsigned<std::uint32_t>();
                break;
            default:
                s.open_fds = optional_unsigned<std::uint32_t>();
            }
        });
        return s;
    }

    std::optional<leak_trend> trend() {
        if (r_.null()) {
            return std::nullopt;
        }
        leak_trend t;
        static constexpr std::array<std::string_view, 18> keys{"verdict",
                                                               "samples",
                                                               "analysed_samples",
                                                               "samples_needed",
                                                               "windows",
                                                               "warmup_windows",
                                                               "warmup_end_x",
                                                               "slope",
                                                               "ci_low",
                                                               "ci_high",
                                                               "lower_bound",
                                                               "level",
                                                               "run_span",
                                                               "growth",
                                                               "effect_floor",
                                                               "projected_growth",
                                                               "lag1_autocorrelation",
                                                               "warmup_unfinished"};
        std::size_t* const sizes[] = {&t.samples, &t.analysed_samples, &t.samples_needed, &t.windows,
                                      &t.warmup_windows};
        double* const doubles[] = {&t.warmup_end_x,
                                   &t.slope,
                                   &t.ci_low,
                                   &t.ci_high,
                                   &t.lower_bound,
                                   &t.level,
                                   &t.run_span,
                                   &t.growth,
                                   &t.effect_floor,
                                   &t.projected_growth,
                                   &t.lag1_autocorrelation};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                t.verdict = name<leak_verdict>(json_leak_verdicts);
            } else if (k <= 5) {
                *sizes[k - 1] = size();
            } else if (k <= 16) {
                *doubles[k - 6] = r_.number();
            } else {
                t.warmup_unfinished = r_.boolean();
            }
        });
        return t;
    }

    leak_report leak() {
        leak_report l;
        static constexpr std::array<std::string_view, 9> keys{
            "description?", "verdict", "cause", "confidence", "min_relative_growth",
            "horizon",      "x_unit",  "rss",   "heap"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                r_.skip(); // describe(), for people
                break;
            case 1:
                l.verdict = name<leak_verdict>(json_leak_verdicts);
                break;
            case 2:
                l.cause = name<leak_cause>(json_leak_causes);
                break;
            case 3:
                l.confidence = r_.number();
                break;
            case 4:
                l.min_relative_growth = r_.number();
                break;
            case 5:
                l.horizon = r_.number();
                break;
            case 6:
                r_.string(l.x_unit);
                break;
            case 7:
                l.rss = trend();
                break;
            default:
                l.heap = trend();
            }
        });
        return l;
    }

    stuck_operation stuck() {
        stuck_operation s;
        static constexpr std::array<std::string_view, 6> keys{"scenario",  "tag",        "virtual_user",
                                                              "iteration", "elapsed_ns", "abandoned"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.string(s.scenario);
            } else if (k == 1) {
                r_.string(s.tag);
            } else if (k == 2) {
                s.virtual_user = r_.u64();
            } else if (k == 3) {
                s.iteration = r_.u64();
            } else if (k == 4) {
                s.elapsed = ns();
            } else {
                s.abandoned = r_.boolean();
            }
        });
        return s;
    }

    std::optional<double> optional_number() {
        if (r_.null()) {
            return std::nullopt;
        }
        return r_.number();
    }

    capacity_curve capacity() {
        capacity_curve c;
        static constexpr std::array<std::string_view, 5> keys{"unit", "objective", "sustainable", "knee",
                                                              "steps"};
        static constexpr std::array<std::string_view, 8> step_keys{
            "offered_rate", "achieved_rate", "p50_ns", "p95_ns", "p99_ns", "error_rate", "passed", "verdict"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.string(c.unit);
            } else if (k == 1) {
                r_.string(c.objective);
            } else if (k == 2) {
                c.sustainable = optional_number();
            } else if (k == 3) {
                c.knee = optional_number();
            } else {
                r_.array([&](std::size_t) {
                    capacity_step s;
                    r_.object(step_keys, [&](std::size_t j) {
                        switch (j) {
                        case 0:
                            s.offered_rate = r_.number();
                            break;
                        case 1:
                            s.achieved_rate = r_.number();
                            break;
                        case 2:
                            s.p50 = ns();
                            break;
                        case 3:
                            s.p95 = ns();
                            break;
                        case 4:
                            s.p99 = ns();
                            break;
                        case 5:
                            s.error_rate = r_.number();
                            break;
                        case 6:
                            s.passed = r_.boolean();
                            break;
                        default:
                            r_.string(s.verdict);
                        }
                    });
                    c.steps.push_back(std::move(s));
                });
            }
        });
        return c;
    }

    json_reader r_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> counters_; // reused by sparse()
    std::vector<std::pair<std::int64_t, std::uint64_t>> buckets_;   // reused by sparse()
    std::optional<histogram> scratch_;                              // reused by sparse()
};

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_JSON_REPORT_READ_HPP
