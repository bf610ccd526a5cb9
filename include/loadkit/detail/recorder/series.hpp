// SPDX-License-Identifier: MIT
//
// Forwarding header: the time series moved to the public <loadkit/interval_series.hpp>. Kept while
// report/hlog.hpp still includes this path.
#ifndef LOADKIT_DETAIL_RECORDER_SERIES_HPP
#define LOADKIT_DETAIL_RECORDER_SERIES_HPP

#include <loadkit/interval_series.hpp>

#endif // LOADKIT_DETAIL_RECORDER_SERIES_HPP
