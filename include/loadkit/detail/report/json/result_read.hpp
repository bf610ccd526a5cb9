// SPDX-License-Identifier: MIT
//
// JSON -> run_result: the "result" member of schema "loadkit-report" version 4 (the inverse of
// detail/report/json/report_write.hpp): counts, errors, histograms rebuilt exactly, interval series. Strict:
// every member must be there with its type; unknown or duplicate members are errors (json_error:
// line, column, member path and what was expected). detail/report/json/report_read.hpp reads the rest.
#ifndef LOADKIT_DETAIL_REPORT_JSON_RESULT_READ_HPP
#define LOADKIT_DETAIL_REPORT_JSON_RESULT_READ_HPP

#include <loadkit/detail/report/json/histogram_read.hpp>
#include <loadkit/detail/report/json/reader.hpp>
#include <loadkit/detail/report/json/report_write.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/result.hpp>
#include <loadkit/version.hpp>

#include <array>
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
inline namespace v0_1 {
namespace detail {

// json_read_options' bounds (report/json.hpp, which this header cannot include), in counters.
struct json_read_limits {
    std::size_t max_counters_per_histogram = std::size_t{1} << 22;
    std::size_t max_counters_total = std::size_t{1} << 26;
};

// GCC 12 warns on a designated initializer that leaves members without default initializers out
// (-Wmissing-field-initializers); they are value-initialized, as intended here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
// A result whose histograms are placeholders (json_placeholder_precision): what the reader fills.
inline run_result json_placeholder_result() {
    return run_result{.overall = tag_result({}, json_placeholder_precision(), latency_model::closed)};
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

class json_result_reader {
public:
    explicit json_result_reader(std::string_view text, json_read_limits limits = {})
        : r_(text), limits_(limits) {}

    // The "result" member. Its dense histograms are placeholders until build_histograms(): each is
    // checked where it is read and built once the whole input has been read, so that input failing
    // anywhere (most fuzzed and hostile input) never zeroes counters up to the bounds.
    run_result result() {
        run_result out = json_placeholder_result();
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
                slot_ = {};
                out.overall = tag();
                break;
            default:
                r_.array([&](std::size_t i) {
                    slot_ = {static_cast<std::ptrdiff_t>(i), false, false};
                    out.tags.push_back(tag());
                });
            }
        });
        return out;
    }

    // Builds the dense histograms result() left as placeholders in out.
    void build_histograms(run_result& out) {
        for (const pending_histogram& p : pending_) {
            tag_result& t = p.slot.tag < 0 ? out.overall : out.tags[static_cast<std::size_t>(p.slot.tag)];
            op_stats& s = p.slot.warmup ? *t.warmup : t;
            histogram& h = p.slot.service ? *s.service_time : s.latency;
            if (const std::string problem = rebuild_histogram(p.fields, p.layout, h); !problem.empty()) {
                r_.fail_at(p.at, p.path, "inconsistent histogram: " + problem);
            }
        }
        pending_.clear();
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
            slot_.service = false;
            s.latency = dense();
            break;
        case 8:
            if (!r_.null()) {
                slot_.service = true;
                s.service_time = dense();
            }
            break;
        default:
            return false;
        }
        return true;
    }

    tag_result tag() {
        tag_result t({}, json_placeholder_precision(), latency_model::closed);
        // scheduled: from version 3 (0, not counted, when a version 1 or 2 report lacks it).
        static constexpr std::array<std::string_view, 13> keys{
            "summary?", "ok",           "errors", "timeouts", "dropped",   "duration_ns", "error_categories",
            "latency",  "service_time", "name",   "warmup",   "intervals", "scheduled?"};
        r_.object(keys, [&](std::size_t k) {
            if (stats_member(t, k)) {
                return;
            }
            if (k == 12) {
                t.scheduled = r_.u64();
            } else if (k == 9) {
                r_.string(t.name);
            } else if (k == 10) {
                if (!r_.null()) {
                    op_stats w(json_placeholder_precision(), latency_model::closed);
                    static constexpr std::array<std::string_view, 10> warmup_keys{
                        "summary?",         "ok",      "errors",       "timeouts",  "dropped", "duration_ns",
                        "error_categories", "latency", "service_time", "scheduled?"};
                    slot_.warmup = true;
                    r_.object(warmup_keys, [&](std::size_t j) {
                        if (j == 9) {
                            w.scheduled = r_.u64();
                        } else {
                            stats_member(w, j);
                        }
                    });
                    slot_.warmup = false;
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
        histogram_layout layout;
        if (const std::string problem = json_histogram_layout(f, layout); !problem.empty()) {
            r_.fail_at(at, "inconsistent histogram: " + problem);
        }
        // The declared layout is checked against the bounds before it is built: 100 bytes of JSON
        // can declare 262144 sub-buckets up to 2^63 ns (6.2 million counters, 47 MiB).
        const auto mib = [](std::size_t counters) {
            return std::to_string((counters * sizeof(std::uint64_t) + (std::size_t{1} << 20) - 1) >> 20) +
                   " MiB";
        };
        if (layout.counts_len > limits_.max_counters_per_histogram) {
            r_.fail_at(at, "a histogram of sub_bucket_count " + std::to_string(f.sub_bucket_count) +
                               " up to highest_ns " + std::to_string(f.highest) + " takes " +
                               std::to_string(layout.counts_len) + " counters (" + mib(layout.counts_len) +
                               "), more than json_read_options::max_counters_per_histogram = " +
                               std::to_string(limits_.max_counters_per_histogram));
        }
        if (layout.counts_len > limits_.max_counters_total - counters_total_) {
            r_.fail_at(at, "the report's histograms would take " +
                               std::to_string(counters_total_ + layout.counts_len) + " counters (" +
                               mib(counters_total_ + layout.counts_len) +
                               "), more than json_read_options::max_counters_total = " +
                               std::to_string(limits_.max_counters_total));
        }
        counters_total_ += layout.counts_len;
        if (const std::string problem = check_histogram(f, layout, buckets_); !problem.empty()) {
            r_.fail_at(at, "inconsistent histogram: " + problem);
        }
        pending_.push_back({slot_, std::move(f), layout, at, r_.current_path()});
        return histogram(json_placeholder_precision());
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
        const std::size_t at = r_.mark();
        interval_series s;
        static constexpr std::array<std::string_view, 4> keys{"width_ns", "max_intervals", "sub_bucket_count",
                                                              "intervals"};
        static constexpr std::array<std::string_view, 7> interval_keys{
            "start_ns", "ok", "errors", "timeouts", "dropped", "latency", "scheduled?"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                s.width = ns();
                // Merging series doubles the narrower width until it reaches the wider one
                // (interval_series::operator+=): up to 2^62 ns (146 years), that stays in range.
                if (s.width > std::chrono::nanoseconds{std::int64_t{1} << 62}) {
                    r_.fail("expected width_ns <= 2^62 (146 years), found " +
                            std::to_string(s.width.count()));
                }
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
                        case 0: {
                            // index * width_ns in 64 bits, or no such start: the product
                            // overflowed (undefined) for a width near 2^62.
                            const std::int64_t start = ns().count();
                            const std::int64_t width = s.width.count();
                            const auto index = static_cast<std::int64_t>(i);
                            if (index > 0 && width <= 0) {
                                r_.fail("expected width_ns > 0 in a series with intervals");
                            }
                            if ((index > 0 && width > std::numeric_limits<std::int64_t>::max() / index) ||
                                start != width * index) {
                                r_.fail("expected start_ns = index * width_ns (within 2^63 ns)");
                            }
                            break;
                        }
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
                        case 6: // from version 3
                            st.scheduled = r_.u64();
                            break;
                        default:
                            st.latency = sparse();
                        }
                    });
                    s.intervals.push_back(std::move(st));
                });
            }
        });
        if (!s.intervals.empty() && s.width <= std::chrono::nanoseconds::zero()) {
            r_.fail_at(at, "expected width_ns > 0 in a series with intervals");
        }
        return s;
    }

protected:
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

    json_reader r_;
    json_read_limits limits_;

private:
    // Where a dense histogram goes in the result, and what it is built from.
    struct histogram_slot {
        std::ptrdiff_t tag = -1; // index into run_result::tags; -1: overall
        bool warmup = false;
        bool service = false; // service_time rather than latency
    };
    struct pending_histogram {
        histogram_slot slot;
        json_histogram_fields fields;
        histogram_layout layout;
        std::size_t at;   // where its object starts in the text
        std::string path; // its member path, for errors
    };
    histogram_slot slot_;                    // of the op_stats being read
    std::vector<pending_histogram> pending_; // read and checked, built by build_histograms()
    std::size_t counters_total_ = 0;         // of the dense histograms built so far
    std::vector<std::pair<std::uint64_t, std::uint64_t>> counters_; // reused by sparse()
    std::vector<std::pair<std::int64_t, std::uint64_t>> buckets_;   // reused by sparse() and dense()
    std::optional<histogram> scratch_;                              // reused by sparse()
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_RESULT_READ_HPP
