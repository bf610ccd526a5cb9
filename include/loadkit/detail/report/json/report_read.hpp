// SPDX-License-Identifier: MIT
//
// JSON -> run_report, schema "loadkit-report" version 4 (the inverse of detail/report/json/report_write.hpp):
// the run's result (detail/report/json/result_read.hpp), then what was read from it (SLO verdicts, leak trend),
// resources, stuck operations and the capacity curve. Strict: every member of the schema must be
// there, with its type; unknown or duplicate members, another schema or version, and histograms
// whose counters disagree with their totals or extremes are errors (json_error: line, column,
// member path and what was expected).
#ifndef LOADKIT_DETAIL_REPORT_JSON_REPORT_READ_HPP
#define LOADKIT_DETAIL_REPORT_JSON_REPORT_READ_HPP

#include <loadkit/detail/report/json/reader.hpp>
#include <loadkit/detail/report/json/report_write.hpp>
#include <loadkit/detail/report/json/result_read.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// As json_placeholder_result (detail/report/json/result_read.hpp), for the whole report.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
inline run_report json_placeholder_report() { return run_report{.result = json_placeholder_result()}; }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

class json_report_reader : private json_result_reader {
public:
    explicit json_report_reader(std::string_view text, json_read_limits limits = {})
        : json_result_reader(text, limits) {}

    run_report report() {
        run_report out = json_placeholder_report();
        static constexpr std::array<std::string_view, 18> keys{"schema",
                                                               "version",
                                                               "generator?",
                                                               "summary?",
                                                               "title",
                                                               "started_unix_ns",
                                                               "scenarios",
                                                               "result",
                                                               "slo",
                                                               "resources",
                                                               "leak",
                                                               "stuck",
                                                               "capacity",
                                                               "past_hang_limit?",
                                                               "$schema?",
                                                               "start_at_unix_ns?",
                                                               "start_skew_ns?",
                                                               "segment?"};
        r_.object(keys, [&](std::size_t k) {
            switch (k) {
            case 0:
                if (r_.string() != json_schema_name) {
                    r_.fail("expected \"loadkit-report\" (this is not a loadkit report)");
                }
                break;
            case 1: {
                const std::uint64_t v = r_.u64();
                if (v < 1 || v > json_schema_version) { // 1 lacks only optional members
                    r_.fail("version " + std::to_string(v) + " is not supported: loadkit " +
                            std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
                            std::to_string(version.patch) + " reads report versions 1 to " +
                            std::to_string(json_schema_version));
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
            case 13:
                out.past_hang_limit = r_.u64();
                break;
            case 15: // 15 to 17: absent before version 4
                if (!r_.null()) {
                    out.start_at = std::chrono::system_clock::time_point{
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::nanoseconds{r_.i64()})};
                }
                break;
            case 16:
                if (!r_.null()) {
                    out.start_skew = std::chrono::nanoseconds{r_.i64()};
                }
                break;
            case 17:
                if (!r_.null()) {
                    out.segment = segment();
                }
                break;
            default: // generator, summary, $schema: for people and tools
                r_.skip();
            }
        });
        r_.finish();
        build_histograms(out.result); // only now that all of the input has been read
        return out;
    }

private:
    segment_bound bound() {
        segment_bound b;
        r_.array([&](std::size_t i) {
            if (i > 1) {
                r_.fail("expected [numerator, denominator]");
            }
            (i == 0 ? b.num : b.den) = r_.u64();
        });
        return b;
    }

    // The text is read back through the parser and must name the bounds written beside it.
    segment_assignment segment() {
        segment_assignment a;
        std::string text;
        segment_bound begin{0, 0};
        segment_bound end{0, 0};
        static constexpr std::array<std::string_view, 6> keys{"text", "from", "to", "source", "rank", "size"};
        r_.object(keys, [&](std::size_t k) {
            if (k == 0) {
                r_.string(text);
            } else if (k == 1) {
                begin = bound();
            } else if (k == 2) {
                end = bound();
            } else if (k == 3) {
                r_.string(a.source);
            } else if (!r_.null()) {
                (k == 4 ? a.rank : a.size) = r_.u64();
            }
        });
        try {
            a.segment = execution_segment::parse(text);
            if (!(a.segment == execution_segment(begin, end))) {
                r_.fail("text \"" + text + "\" is not the segment of from and to");
            }
        } catch (const std::invalid_argument& e) {
            r_.fail(e.what());
        }
        return a;
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
        static constexpr std::array<std::string_view, 9> keys{
            "at_ns",         "rss_bytes", "peak_rss_bytes", "heap_in_use_bytes", "cpu_user_us",
            "cpu_system_us", "threads",   "open_fds",       "loadkit_bytes?"};
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
            case 7:
                s.open_fds = optional_unsigned<std::uint32_t>();
                break;
            default:
                s.loadkit_bytes = optional_unsigned<std::uint64_t>();
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
        static constexpr std::array<std::string_view, 7> keys{
            "scenario", "tag", "virtual_user", "iteration", "elapsed_ns", "abandoned", "finished?"};
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
            } else if (k == 5) {
                s.abandoned = r_.boolean();
            } else {
                s.finished = r_.boolean();
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
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_REPORT_READ_HPP
