// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// loadkit::http_target — a small HTTP/1.1 server to load-test against: loopback, keep-alive, with
// a known shape you configure (service time, a status mix, closed or reset connections, and
// stalls), so a demo, a test or a tutorial has a real server over real sockets with no setup.
//
//   loadkit::http_target target{{.latency = 2ms, .statuses = {{503, 0.01}},
//                                .stall = 1s, .stall_every = 5s}};   // "stall 1 s every 5 s"
//   loadkit::http_client client{{.url = target.url("/"), .connections = 64}};
//
// A stall is the server pausing (a GC pause, a ^Z): every response due inside the last `stall` of
// each `stall_every` period (from the server's start) waits for the stall's end. At a constant
// offered rate that is the coordinated-omission check of wrk2's README: requests sent during the
// stall wait up to `stall`, so the honest p99 is near `stall`, while a closed-loop client that
// stops sending during the stall records a single slow request.
//
// It runs loadkit tasks on its own io_context thread (an asio_executor), responding to each
// request in order (pipelined requests too). Counters (accepted connections, requests) are
// readable from any thread.
//
// A test fixture rather than a hot path of the program under test: the whole server is in
// impl/http_target.ipp, and this header only declares it.
#ifndef LOADKIT_HTTP_TARGET_HPP
#define LOADKIT_HTTP_TARGET_HPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/config.hpp>
#include <loadkit/random.hpp>
#include <loadkit/task.hpp>
#include <loadkit/version.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

struct http_status_share {
    int status = 200;
    double share = 0.0; // fraction of responses, 0..1
};

struct http_target_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;                    // 0: a free port (http_target::port())
    std::chrono::nanoseconds latency{};        // service time added to every response
    std::chrono::nanoseconds latency_jitter{}; // plus uniform [0, jitter]
    std::vector<http_status_share> statuses{}; // e.g. {{503, 0.002}, {404, 0.001}}; the rest are 200
    std::size_t body_bytes = 13;               // "Hello, world!"
    bool chunked = false;                      // bodies in two chunks instead of Content-Length
    std::uint64_t close_after = 0;             // responses per connection, then Connection: close
    std::uint64_t reset_every = 0;             // every n-th request is answered by a reset (RST)
    std::chrono::nanoseconds stall{};          // the server stalls for `stall`...
    std::chrono::nanoseconds stall_every{};    // ...at the end of every `stall_every` period
    std::uint64_t seed = 1;
};

class http_target {
public:
    explicit http_target(http_target_options options = {});
    http_target(const http_target&) = delete;
    http_target& operator=(const http_target&) = delete;
    ~http_target() { stop(); }

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string url(std::string_view path = "/") const;
    [[nodiscard]] std::uint64_t accepted() const noexcept {
        return accepted_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t requests() const noexcept {
        return requests_.load(std::memory_order_relaxed);
    }

    // Closes the listener and every connection, waits for them to end and joins the thread.
    void stop();

private:
    void validate() const;
    asio::ip::tcp::endpoint endpoint() const;
    std::string build(int status, bool close) const;
    // The response (index into responses_) for the next request.
    std::size_t pick(bool close);
    // When a request arriving now may be answered: after the service time, and not inside a stall.
    clock::time_point due(clock::time_point now);
    struct task_ended; // the spawned tasks' end: counts them down for stop()
    void spawn(task<void> work);
    task<void> accept_loop();
    task<void> serve(std::list<asio::ip::tcp::socket>::iterator at);
    static std::uint64_t request_body_length(std::string_view head) noexcept;
    static bool wants_close(std::string_view head) noexcept;

    http_target_options options_;
    rng random_;
    std::vector<std::pair<int, double>> cumulative_;
    std::vector<std::string> responses_; // [2k]: keep-alive, [2k + 1]: Connection: close
    asio::io_context io_{1};
    asio_executor ex_{io_};
    asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
    asio::ip::tcp::acceptor acceptor_{io_};
    std::list<asio::ip::tcp::socket> sockets_; // the io thread's only
    clock::time_point start_{};
    std::uint16_t port_ = 0;
    bool stopping_ = false; // the io thread's only
    std::stop_source stop_;
    std::stop_token stop_token_ = stop_.get_token();
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::mutex mutex_;
    std::condition_variable ended_;
    std::size_t live_ = 0;
    std::thread thread_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_ASIO_IMPLEMENTATION)
#include <loadkit/impl/http_target.ipp>
#endif

#endif // LOADKIT_HTTP_TARGET_HPP
