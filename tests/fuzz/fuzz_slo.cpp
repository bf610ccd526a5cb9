// libFuzzer harness: loadkit::parse_objective (objective.hpp, grammar in detail/slo/parse.hpp) on
// arbitrary text, then the objective through slo_policy's evaluation and text forms.
// Contract checked: malformed text throws loadkit::slo_parse_error and nothing else; an objective it
// accepts evaluates on a result (with data, and empty) and prints without throwing.
#include <loadkit/objective.hpp>
#include <loadkit/result.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

// Two tags with data (one of them failing), so tagged objectives find theirs; built once.
const loadkit::run_result& sample() {
    static const loadkit::run_result result = [] {
        loadkit::run_result r;
        r.duration = std::chrono::seconds{10};
        r.overall.duration = r.duration;
        const char* names[] = {"login", "search"};
        for (int t = 0; t < 2; ++t) {
            loadkit::tag_result tag;
            tag.name = names[t];
            tag.duration = r.duration;
            for (std::int64_t i = 1; i <= 200; ++i) {
                tag.latency.record(std::chrono::microseconds{i * (t + 1) * 97});
            }
            tag.ok = 190;
            tag.errors = t == 0 ? 10 : 0;
            tag.timeouts = t == 0 ? 0 : 10;
            tag.dropped = 3;
            r.overall += tag;
            r.tags.push_back(tag);
        }
        return r;
    }();
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    loadkit::objective o;
    try {
        o = loadkit::parse_objective(text);
    } catch (const loadkit::slo_parse_error&) {
        return 0;
    }
    static_cast<void>(o.text());
    static_cast<void>(o.format_limit());
    loadkit::slo_policy policy;
    policy.add(o);
    static_cast<void>(policy.evaluate(sample()));
    static_cast<void>(policy.evaluate(loadkit::run_result{}));
    static_cast<void>(policy.should_abort(sample()));
    return 0;
}
