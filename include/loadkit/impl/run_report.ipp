// SPDX-License-Identifier: MIT
// run_report's verdict (declared in run_report.hpp): SLO, leak check and stuck operations read
// together. The body of run_report.hpp: included at its end in header-only mode, by impl/src.hpp
// otherwise.
#ifndef LOADKIT_IMPL_RUN_REPORT_IPP
#define LOADKIT_IMPL_RUN_REPORT_IPP

#include <loadkit/leak.hpp>
#include <loadkit/slo.hpp>

#include <algorithm>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL std::size_t run_report::hung() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(stuck.begin(), stuck.end(), [](const stuck_operation& op) { return !op.finished; }));
}

LOADKIT_DECL bool run_report::passed() const noexcept { return exit_code() == 0; }

LOADKIT_DECL int run_report::exit_code() const noexcept {
    if (result.reason == stop_reason::interrupted) {
        return 105;
    }
    if (slo && !slo->passed()) {
        return 99;
    }
    if ((leak && leak->verdict == leak_verdict::leak) || hung() > 0) {
        return 98;
    }
    if (leak && leak->verdict == leak_verdict::inconclusive) {
        return 97;
    }
    return 0;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_RUN_REPORT_IPP
