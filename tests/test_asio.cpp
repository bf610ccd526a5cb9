// The Asio adapter: asio_executor (timers, posts, work), use_task (values, errors, cancellation
// through the stop token), as_task (asio::awaitable), co_spawn, and the engine on io_context threads.
#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/asio.hpp>
#include <loadkit/blocking_pool.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/timeout.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// A connected pair of loopback sockets on `io` (the acceptor is closed again).
struct socket_pair {
    asio::ip::tcp::socket client;
    asio::ip::tcp::socket server;
    explicit socket_pair(asio::io_context& io) : client(io), server(io) {
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        client.connect(acceptor.local_endpoint());
        acceptor.accept(server);
    }
};

// Runs the io_context on its own thread until the object dies (a work guard keeps it running).
struct io_thread {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::thread thread{[this] { ex.run(); }};
    ~io_thread() {
        guard.reset();
        io.stop();
        thread.join();
    }
};

template <class T> T get_within(std::future<T>& f, std::chrono::seconds limit = std::chrono::seconds{20}) {
    if (f.wait_for(limit) != std::future_status::ready) {
        FAIL("the task did not finish in time");
    }
    return f.get();
}

} // namespace

TEST_CASE("asio_executor: sleeps resume in deadline order and run() returns when none is left", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    std::vector<int> order;
    std::thread::id resumed_on{};
    const auto sleeper = [&](int id, std::chrono::milliseconds d) -> loadkit::task<void> {
        co_await loadkit::sleep_for(d);
        order.push_back(id);
        resumed_on = std::this_thread::get_id();
        CHECK(loadkit::current_executor() == &ex);
    };
    for (auto [id, d] : {std::pair{3, 30ms}, std::pair{1, 10ms}, std::pair{2, 20ms}, std::pair{0, 0ms}}) {
        loadkit::co_spawn(ex, sleeper(id, d), asio::detached);
    }
    io.run(); // plain run(): the adapter sets current_executor() itself
    CHECK(order == std::vector<int>{0, 1, 2, 3});
    CHECK(resumed_on == std::this_thread::get_id());
    CHECK(ex.pending_timers() == 0);
}

TEST_CASE("asio_executor: an earlier sleep re-arms the timer ahead of a later one", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    std::vector<int> order;
    const auto sleeper = [&](int id, std::chrono::milliseconds d) -> loadkit::task<void> {
        co_await loadkit::sleep_for(d);
        order.push_back(id);
    };
    const auto start = std::chrono::steady_clock::now();
    asio::cancellation_signal cancel_far;
    // armed first, far away; co_spawn's cancellation slot stops it at the end
    loadkit::co_spawn(ex, sleeper(2, 30s), asio::bind_cancellation_slot(cancel_far.slot(), asio::detached));
    loadkit::co_spawn(ex, sleeper(1, 5ms), asio::detached);
    io.run_for(500ms);
    CHECK(order == std::vector<int>{1});
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    cancel_far.emit(asio::cancellation_type::terminal);
    io.run(); // the far sleeper ends (cancelled) and the io_context runs out of work
    CHECK(order == std::vector<int>{1});
    CHECK(ex.pending_timers() == 0);
}

TEST_CASE("asio_executor: timers due within the slack share one wake-up; options are validated", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io, {.timer_slack = 20ms}};
    std::vector<int> order;
    const auto sleeper = [&](int id, std::chrono::milliseconds d) -> loadkit::task<void> {
        co_await loadkit::sleep_for(d);
        order.push_back(id);
    };
    const auto start = std::chrono::steady_clock::now();
    loadkit::co_spawn(ex, sleeper(2, 12ms), asio::detached);
    loadkit::co_spawn(ex, sleeper(1, 10ms), asio::detached);
    loadkit::co_spawn(ex, sleeper(3, 50ms), asio::detached);
    io.run_one_for(5s); // the first handler that runs: the co_spawns' starts
    while (order.empty()) {
        io.run_one_for(5s);
    }
    CHECK(order == std::vector<int>{1, 2}); // one wake-up (at ~30 ms) resumed both, in deadline order
    CHECK(std::chrono::steady_clock::now() - start >= 10ms);
    io.run();
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(invalid_argument_message([&] {
              loadkit::asio_executor bad{io, {.timer_slack = -1ns}};
          }) == "loadkit::asio_executor::options: timer_slack = -1ns (expected 0 .. 1s)");
}

TEST_CASE("asio_executor: a sleep cancelled through its stop token ends at once", "[asio]") {
    io_thread host;
    std::stop_source stop;
    const auto sleeper = [&]() -> loadkit::task<bool> {
        try {
            co_await loadkit::sleep_for(30s);
        } catch (const loadkit::operation_cancelled&) {
            co_return true;
        }
        co_return false;
    };
    const auto guarded = [&]() -> loadkit::task<bool> {
        loadkit::task<bool> inner = sleeper();
        co_return co_await std::move(inner).await_with_token(stop.get_token());
    };
    std::future<bool> done = loadkit::co_spawn(host.ex, guarded(), asio::use_future);
    std::this_thread::sleep_for(20ms);
    const auto start = std::chrono::steady_clock::now();
    stop.request_stop(); // from this thread: cancel_timer posts to the io_context
    CHECK(get_within(done));
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("asio_executor: with_timeout cancels a sleep on the io_context", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    const auto body = []() -> loadkit::task<void> { co_await loadkit::sleep_for(30s); };
    const auto limited = [&]() -> loadkit::task<bool> {
        loadkit::task<loadkit::timeout_result<void>> t = loadkit::with_timeout(body(), 10ms);
        const auto r = co_await std::move(t);
        co_return r.timed_out();
    };
    std::future<bool> done = loadkit::co_spawn(ex, limited(), asio::use_future);
    const auto start = std::chrono::steady_clock::now();
    io.run();
    CHECK(done.get());
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("asio_executor: post from another thread resumes on the io_context's thread", "[asio]") {
    io_thread host;
    const auto host_id = host.thread.get_id();
    struct hop_off {
        loadkit::executor* back;
        std::thread* helper;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            *helper = std::thread([ex = back, h] { ex->post(h); });
        }
        void await_resume() const noexcept {}
    };
    std::thread helper;
    const auto body = [&]() -> loadkit::task<bool> {
        co_await hop_off{loadkit::current_executor(), &helper};
        co_return std::this_thread::get_id() == host_id&& loadkit::current_executor() == &host.ex;
    };
    std::future<bool> done = loadkit::co_spawn(host.ex, body(), asio::use_future);
    CHECK(get_within(done));
    helper.join();
}

TEST_CASE("asio_executor: outstanding work keeps run() going until a blocking call returns", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    loadkit::blocking_pool pool{loadkit::blocking_pool::options{1}};
    const auto body = [&]() -> loadkit::task<int> {
        co_return co_await pool.run([] {
            std::this_thread::sleep_for(50ms);
            return 7;
        });
    };
    std::future<int> done = loadkit::co_spawn(ex, body(), asio::use_future);
    io.run();
    REQUIRE(done.wait_for(0s) == std::future_status::ready);
    CHECK(done.get() == 7);
}

TEST_CASE("use_task: returns an operation's values; use_task_nothrow returns the error first", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    socket_pair pair(io);
    const auto body = [&]() -> loadkit::task<std::string> {
        const std::string hello = "hello";
        const std::size_t written =
            co_await asio::async_write(pair.client, asio::buffer(hello), loadkit::use_task);
        CHECK(written == 5);
        char buf[16];
        auto [error, n] = co_await pair.server.async_read_some(asio::buffer(buf), loadkit::use_task_nothrow);
        CHECK(!error);
        co_return std::string(buf, n);
    };
    std::future<std::string> done = loadkit::co_spawn(ex, body(), asio::use_future);
    io.run();
    CHECK(done.get() == "hello");
}

TEST_CASE("use_task: an error code throws asio::system_error; nothrow returns it", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    asio::ip::tcp::endpoint closed;
    {
        asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
        closed = probe.local_endpoint(); // closed again: nothing listens there now
    }
    const auto body = [&]() -> loadkit::task<int> {
        asio::ip::tcp::socket s1(io);
        int outcome = 0;
        try {
            co_await s1.async_connect(closed, loadkit::use_task);
        } catch (const asio::system_error& e) {
            outcome += e.code() == asio::error::connection_refused ? 1 : 100;
        }
        asio::ip::tcp::socket s2(io);
        const std::error_code error = co_await s2.async_connect(closed, loadkit::use_task_nothrow);
        outcome += error == asio::error::connection_refused ? 10 : 1000;
        co_return outcome;
    };
    std::future<int> done = loadkit::co_spawn(ex, body(), asio::use_future);
    io.run();
    CHECK(done.get() == 11);
}

TEST_CASE("use_task: with_timeout cancels a pending async_read and the socket stays usable", "[asio]") {
    io_thread host;
    socket_pair pair(host.io);
    const auto read_one = [&]() -> loadkit::task<std::size_t> {
        char buf[8];
        co_return co_await pair.server.async_read_some(asio::buffer(buf), loadkit::use_task);
    };
    const auto body = [&]() -> loadkit::task<int> {
        loadkit::task<loadkit::timeout_result<std::size_t>> first = loadkit::with_timeout(read_one(), 20ms);
        const auto r = co_await std::move(first);
        if (!r.timed_out()) {
            co_return 1;
        }
        co_await asio::async_write(pair.client, asio::buffer("abc", 3), loadkit::use_task);
        loadkit::task<loadkit::timeout_result<std::size_t>> second = loadkit::with_timeout(read_one(), 10s);
        auto again = co_await std::move(second);
        co_return again&&* again == 3 ? 0 : 2;
    };
    std::future<int> done = loadkit::co_spawn(host.ex, body(), asio::use_future);
    CHECK(get_within(done) == 0);
}

TEST_CASE("use_task: a stop requested on another thread cancels the operation (operation_cancelled)",
          "[asio]") {
    io_thread host;
    socket_pair pair(host.io);
    std::stop_source stop;
    std::atomic<bool> reading{false};
    const auto read_one = [&]() -> loadkit::task<std::size_t> {
        char buf[8];
        reading = true;
        co_return co_await pair.server.async_read_some(asio::buffer(buf), loadkit::use_task);
    };
    const auto body = [&]() -> loadkit::task<bool> {
        loadkit::task<std::size_t> inner = read_one();
        try {
            co_await std::move(inner).await_with_token(stop.get_token());
        } catch (const loadkit::operation_cancelled&) {
            co_return true;
        }
        co_return false;
    };
    std::future<bool> done = loadkit::co_spawn(host.ex, body(), asio::use_future);
    while (!reading) {
        std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(10ms);
    stop.request_stop();
    CHECK(get_within(done));
}

TEST_CASE("use_task: an operation awaited under a stopped token is not started", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    socket_pair pair(io);
    std::stop_source stop;
    stop.request_stop();
    const auto read_one = [&]() -> loadkit::task<std::size_t> {
        char buf[8];
        co_return co_await pair.server.async_read_some(asio::buffer(buf), loadkit::use_task);
    };
    const auto body = [&]() -> loadkit::task<bool> {
        loadkit::task<std::size_t> inner = read_one();
        try {
            co_await std::move(inner).await_with_token(stop.get_token());
        } catch (const loadkit::operation_cancelled&) {
            co_return true;
        }
        co_return false;
    };
    std::future<bool> done = loadkit::co_spawn(ex, body(), asio::use_future);
    io.run();
    CHECK(done.get());
}

#if defined(ASIO_HAS_CO_AWAIT)
namespace {
asio::awaitable<int> answer_later(std::chrono::milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    co_return 42;
}
asio::awaitable<void> fail_later() {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
    co_await timer.async_wait(asio::use_awaitable);
    throw std::runtime_error("from the awaitable");
}
} // namespace

TEST_CASE("as_task: awaits an asio::awaitable's value and rethrows its exception", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    const auto body = [&]() -> loadkit::task<int> {
        const int v = co_await loadkit::as_task(answer_later(5ms));
        try {
            co_await loadkit::as_task(fail_later());
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()) == "from the awaitable");
            co_return v;
        }
        co_return -1;
    };
    std::future<int> done = loadkit::co_spawn(ex, body(), asio::use_future);
    io.run();
    CHECK(done.get() == 42);
}

TEST_CASE("as_task: with_timeout cancels the awaitable's pending operation", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    const auto body = [&]() -> loadkit::task<bool> {
        loadkit::task<loadkit::timeout_result<int>> t =
            loadkit::with_timeout(loadkit::as_task(answer_later(30s)), 10ms);
        const auto r = co_await std::move(t);
        co_return r.timed_out();
    };
    std::future<bool> done = loadkit::co_spawn(ex, body(), asio::use_future);
    const auto start = std::chrono::steady_clock::now();
    io.run();
    CHECK(done.get());
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("as_task: outside an asio_executor it needs an explicit executor", "[asio]") {
    io_thread host;
    const auto body = [&]() -> loadkit::task<int> {
        co_return co_await loadkit::as_task(host.io.get_executor(), answer_later(1ms));
    };
    CHECK(loadkit::sync_wait(body()) == 42);
    const auto wrong = []() -> loadkit::task<int> { co_return co_await loadkit::as_task(answer_later(1ms)); };
    CHECK_THROWS_AS(loadkit::sync_wait(wrong()), std::logic_error);
}

#endif // ASIO_HAS_CO_AWAIT

TEST_CASE("co_spawn: a task's exception reaches the completion token", "[asio]") {
    asio::io_context io{1};
    loadkit::asio_executor ex{io};
    const auto body = []() -> loadkit::task<int> {
        co_await loadkit::sleep_for(1ms);
        throw std::runtime_error("task failed");
    };
    std::future<int> done = loadkit::co_spawn(ex, body(), asio::use_future);
    io.run();
    CHECK_THROWS_AS(done.get(), std::runtime_error);
}

TEST_CASE("engine: loadkit::run drives closed and open profiles on asio_runner threads", "[asio]") {
    loadkit::asio_runner threads{{.threads = 2}};
    std::vector<std::thread::id> ids;
    std::atomic<int> off_thread{0};
    const auto on_io = [&] {
        for (std::size_t i = 0; i < threads.size(); ++i) {
            if (threads.executor(i).running_in_this_thread() &&
                loadkit::current_executor() == &threads.executor(i)) {
                return true;
            }
        }
        return false;
    };
    loadkit::run_options o;
    o.executors = threads.executors();
    o.sample_resources = false;
    o.report_stuck_to_stderr = false;
    const auto op = [&](loadkit::op_context&) -> loadkit::task<void> {
        if (!on_io()) {
            ++off_thread;
        }
        co_await loadkit::sleep_for(1ms);
        if (!on_io()) {
            ++off_thread;
        }
    };
    const std::vector<loadkit::scenario> scenarios = {
        {.name = "closed",
         .profile = loadkit::per_vu_iterations{.vus = 8, .iterations = 10},
         .operations = {{"closed_op", op}}},
        {.name = "open",
         .profile = loadkit::constant_rate{.rate = 200, .duration = 250ms, .max_in_flight = 16},
         .operations = {{"open_op", op}}},
    };
    const auto report = loadkit::run(o, scenarios);
    CHECK(off_thread.load() == 0);
    const loadkit::tag_result* closed = report.result.find("closed_op");
    const loadkit::tag_result* open = report.result.find("open_op");
    REQUIRE(closed != nullptr);
    REQUIRE(open != nullptr);
    const std::uint64_t closed_count = closed->count();
    const std::uint64_t open_count = open->count() + open->dropped;
    CHECK(closed_count == 80);
    CHECK(open_count >= 40);
    CHECK(open_count <= 60);
}
