// SPDX-License-Identifier: MIT
//
// Objectives from text, in k6's threshold grammar (grafana/k6 metrics/thresholds_parser.go:
// `aggregation operator value`) with units and a few metrics k6 spreads over other metric types:
//
//   expression := [ tag ':' ] metric op value [ unit ]  |  [ tag ':' ] 'no_leak'
//   metric     := 'p(' N ')' | 'p' N | 'avg' | 'mean' | 'min' | 'max' | 'med' | 'median' | 'stddev'
//               | 'fraction_below(' duration ')' | 'error_rate' | 'rate' | 'success_rate'
//               | 'throughput' | 'count' | 'dropped' | 'memory_growth'
//   op         := '<' | '<=' | '>' | '>=' | '==' | '===' | '!=' ;  whitespace anywhere between tokens
//
// Units: latencies ns, us, µs, ms, s, m (a bare number is ms, as in k6); rates a fraction (0.01) or
// a percentage (1%) — `rate` is k6's name for http_req_failed's rate, i.e. error_rate; throughput
// /s or /m (bare: per second); memory_growth B, KB, MB, GB (SI) or KiB, MiB, GiB (bare: bytes).
// The tag is everything before the last ':', trimmed. Only impl/objective.ipp includes this: users
// call parse_objective (objective.hpp).
// objective.hpp before the guard, as in detail/slo/objective.hpp: parse_objective's body
// (impl/objective.ipp) includes this header back.
#include <loadkit/objective.hpp>

#ifndef LOADKIT_DETAIL_SLO_PARSE_HPP
#define LOADKIT_DETAIL_SLO_PARSE_HPP

#include <loadkit/detail/slo/objective.hpp>
#include <loadkit/version.hpp>

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

class slo_parser {
public:
    explicit slo_parser(std::string_view text) : text_(text) {}

    objective parse() {
        objective o;
        const std::size_t colon = text_.rfind(':');
        if (colon != std::string_view::npos) {
            std::size_t b = 0;
            std::size_t e = colon;
            while (b < e && is_space(text_[b])) {
                ++b;
            }
            while (e > b && is_space(text_[e - 1])) {
                --e;
            }
            if (b == e) {
                fail(b, "a tag name before ':'");
            }
            o.tag = std::string(text_.substr(b, e - b));
            pos_ = colon + 1;
        }
        skip_space();
        const std::size_t metric_at = pos_;
        const std::string_view word = read_word();
        if (word == "p") {
            o.metric = slo_metric::percentile;
            o.parameter = percentile();
        } else if (word == "avg" || word == "mean") {
            o.metric = slo_metric::mean;
        } else if (word == "min" || word == "max") {
            o.metric = word == "min" ? slo_metric::min : slo_metric::max;
        } else if (word == "med" || word == "median") {
            o.metric = slo_metric::percentile;
            o.parameter = 50.0;
        } else if (word == "stddev") {
            o.metric = slo_metric::stddev;
        } else if (word == "fraction_below") {
            o.metric = slo_metric::fraction_below;
            expect('(', "'(' and a latency, as in fraction_below(200ms)");
            skip_space();
            o.parameter = number_with_unit(slo_metric::mean);
            skip_space();
            expect(')', "')'");
        } else if (word == "error_rate" || word == "rate") {
            o.metric = slo_metric::error_rate;
        } else if (word == "success_rate") {
            o.metric = slo_metric::success_rate;
        } else if (word == "throughput") {
            o.metric = slo_metric::throughput;
        } else if (word == "count" || word == "dropped") {
            o.metric = word == "count" ? slo_metric::count : slo_metric::dropped;
        } else if (word == "memory_growth") {
            o.metric = slo_metric::memory_growth;
        } else if (word == "no_leak") {
            o.metric = slo_metric::leak;
            o.op = slo_op::eq;
            finish(o);
            return o;
        } else {
            fail(metric_at, "a metric (p(N), pN, avg, min, max, med, stddev, fraction_below(T), error_rate, "
                            "success_rate, throughput, count, dropped, memory_growth, no_leak)");
        }
        skip_space();
        o.op = op();
        skip_space();
        const std::size_t limit_at = pos_;
        o.limit = number_with_unit(o.metric);
        if (const objective_problem problem = find_objective_problem(o)) {
            fail(limit_at, problem.expected); // e.g. 1e300m: past what a latency can be
        }
        finish(o);
        return o;
    }

private:
    static bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
    static bool is_word(char c) noexcept {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }
    [[nodiscard]] bool at_end() const noexcept { return pos_ >= text_.size(); }
    [[nodiscard]] char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }

    void skip_space() noexcept {
        while (!at_end() && is_space(text_[pos_])) {
            ++pos_;
        }
    }
    std::string_view read_word() noexcept {
        const std::size_t b = pos_;
        while (!at_end() && is_word(text_[pos_])) {
            ++pos_;
        }
        return text_.substr(b, pos_ - b);
    }
    [[noreturn]] void fail(std::size_t at, const char* expected) const {
        std::size_t column = 1;
        for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
            column += (static_cast<unsigned char>(text_[i]) & 0xC0U) == 0x80U ? 0U : 1U; // code points
        }
        throw slo_parse_error(std::string(text_), column, expected);
    }
    void expect(char c, const char* expected) {
        if (peek() != c) {
            fail(pos_, expected);
        }
        ++pos_;
    }

    double percentile() {
        const bool parenthesized = peek() == '(';
        if (parenthesized) {
            ++pos_;
            skip_space();
        } else if (!is_digit(peek()) && peek() != '.') {
            fail(pos_, "a percentile after 'p', as in p95 or p(99.9)");
        }
        const std::size_t at = pos_;
        const double v = number("a percentile (a number 0 .. 100)");
        if (!(v >= 0.0 && v <= 100.0)) {
            fail(at, "a percentile between 0 and 100");
        }
        if (parenthesized) {
            skip_space();
            expect(')', "')'");
        }
        return v;
    }

    slo_op op() {
        const char c = peek();
        const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
        if ((c == '<' || c == '>') && next == '=') {
            pos_ += 2;
            return c == '<' ? slo_op::le : slo_op::ge;
        }
        if (c == '<' || c == '>') {
            ++pos_;
            return c == '<' ? slo_op::lt : slo_op::gt;
        }
        if ((c == '=' || c == '!') && next == '=') {
            pos_ += 2;
            if (c == '=' && peek() == '=') {
                ++pos_; // k6's ===
            }
            return c == '=' ? slo_op::eq : slo_op::ne;
        }
        fail(pos_, "an operator (<, <=, >, >=, ==, !=)");
    }

    double number(const char* expected) {
        const std::size_t b = pos_;
        std::size_t digits = 0;
        while (is_digit(peek())) {
            ++pos_;
            ++digits;
        }
        if (peek() == '.') {
            ++pos_;
            while (is_digit(peek())) {
                ++pos_;
                ++digits;
            }
        }
        if (digits == 0) {
            pos_ = b;
            fail(b, expected);
        }
        if (peek() == 'e' || peek() == 'E') { // an exponent only when digits follow
            std::size_t e = pos_ + 1;
            e += e < text_.size() && (text_[e] == '+' || text_[e] == '-') ? 1U : 0U;
            if (e < text_.size() && is_digit(text_[e])) {
                pos_ = e;
                while (is_digit(peek())) {
                    ++pos_;
                }
            }
        }
        double v = 0.0;
        const auto [end, ec] = std::from_chars(text_.data() + b, text_.data() + pos_, v);
        if (ec != std::errc() || end != text_.data() + pos_) {
            fail(b, expected);
        }
        return v;
    }

    // A number and the unit that goes with the metric, converted to the objective's unit.
    double number_with_unit(slo_metric metric) {
        const std::size_t number_at = pos_;
        const double v = number("a number");
        const std::size_t unit_at = pos_;
        skip_space();
        const std::size_t token_at = pos_;
        while (!at_end() && !is_space(text_[pos_]) && text_[pos_] != ')') {
            ++pos_;
        }
        const std::string_view unit = text_.substr(token_at, pos_ - token_at);
        if (unit.empty()) {
            pos_ = unit_at;
        }
        if (is_latency(metric)) {
            static constexpr std::pair<std::string_view, double> units[] = {
                {"", 1e6},          {"ns", 1.0}, {"us", 1e3}, {"\xC2\xB5s", 1e3},
                {"\xCE\xBCs", 1e3}, {"ms", 1e6}, {"s", 1e9},  {"m", 60e9}};
            for (const auto& [name, scale] : units) {
                if (unit == name) {
                    // Evaluation compares latencies as 64-bit nanoseconds: a bound past 2^63 ns
                    // (292 years) or infinite does not convert (found by tests/fuzz/fuzz_slo.cpp).
                    const double ns = v * scale;
                    if (!(ns < 9223372036854775808.0)) {
                        fail(number_at, "a latency below 2^63 ns (292 years)");
                    }
                    return ns;
                }
            }
            fail(token_at, "a unit (ns, us, ms, s, m)");
        }
        if (is_rate(metric)) {
            if (unit != "" && unit != "%") {
                fail(token_at, "a rate (a fraction as in 0.01, or a percentage as in 1%)");
            }
            const double fraction = unit == "%" ? v / 100.0 : v;
            if (!(fraction >= 0.0 && fraction <= 1.0)) {
                fail(number_at, "a rate between 0 and 1 (0% and 100%)");
            }
            return fraction;
        }
        if (metric == slo_metric::throughput) {
            if (unit == "" || unit == "/s") {
                return v;
            }
            if (unit == "/m") {
                return v / 60.0;
            }
            fail(token_at, "a throughput unit (/s, /m)");
        }
        if (metric == slo_metric::memory_growth) {
            static constexpr std::pair<std::string_view, double> units[] = {
                {"", 1.0},
                {"B", 1.0},
                {"KB", 1e3},
                {"kB", 1e3},
                {"MB", 1e6},
                {"GB", 1e9},
                {"KiB", 1024.0},
                {"MiB", 1024.0 * 1024.0},
                {"GiB", 1024.0 * 1024.0 * 1024.0}};
            for (const auto& [name, scale] : units) {
                if (unit == name) {
                    return v * scale;
                }
            }
            fail(token_at, "a size unit (B, KB, MB, GB, KiB, MiB, GiB)");
        }
        if (!unit.empty()) { // count, dropped: plain numbers
            fail(token_at, "the end of the expression");
        }
        return v;
    }

    void finish(objective& o) {
        skip_space();
        if (!at_end()) {
            fail(pos_, "the end of the expression");
        }
        std::size_t b = 0;
        std::size_t e = text_.size();
        while (b < e && is_space(text_[b])) {
            ++b;
        }
        while (e > b && is_space(text_[e - 1])) {
            --e;
        }
        o.source = std::string(text_.substr(b, e - b));
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace detail

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_SLO_PARSE_HPP
