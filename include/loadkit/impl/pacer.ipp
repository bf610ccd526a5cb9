// SPDX-License-Identifier: MIT
// The body of pacer.hpp: a pacer's construction (shard checks, this shard's share of the arrivals).
#ifndef LOADKIT_IMPL_PACER_IPP
#define LOADKIT_IMPL_PACER_IPP

#include <loadkit/detail/text/rate_text.hpp>
#include <loadkit/rate_schedule.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL pacer::pacer(clock::time_point start, rate_schedule schedule, std::uint64_t shard,
                          std::uint64_t shards, execution_segment segment)
    : start_(start), schedule_(std::move(schedule)), shard_(shard), shards_(shards),
      segment_(std::move(segment)), whole_(segment_.whole()) {
    if (shards == 0) {
        detail::throw_rate_option("pacer", "shards", "0", ">= 1");
    }
    if (shard >= shards) {
        detail::throw_rate_option("pacer", "shard", std::to_string(shard),
                                  ("< shards = " + std::to_string(shards)).c_str());
    }
    const std::uint64_t total =
        whole_ ? schedule_.total_count() : segment_.owned_below(schedule_.total_count());
    if (!whole_ && total > 0) {
        cursor_ = segment_.nth_owned(0);
    }
    count_ = total > shard ? (total - shard - 1) / shards + 1 : 0;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_PACER_IPP
