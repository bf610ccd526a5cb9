// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_RUNTIME_RING_QUEUE_HPP
#define LOADKIT_DETAIL_RUNTIME_RING_QUEUE_HPP

#include <loadkit/version.hpp>

#include <cstddef>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// A FIFO over a power-of-two ring that only grows. std::deque would allocate and free a block
// every few hundred pushes as the queue slides; a run queue in steady state should allocate nothing.
template <class T> class ring_queue {
public:
    bool empty() const noexcept { return head_ == tail_; }
    std::size_t size() const noexcept { return tail_ - head_; }

    void push(T value) {
        if (size() == buffer_.size()) {
            grow();
        }
        buffer_[tail_ & (buffer_.size() - 1)] = std::move(value);
        ++tail_;
    }

    void clear() noexcept { head_ = tail_ = 0; }

    T pop() noexcept {
        T value = std::move(buffer_[head_ & (buffer_.size() - 1)]);
        ++head_;
        return value;
    }

private:
    void grow() {
        std::vector<T> bigger(buffer_.empty() ? 64 : buffer_.size() * 2);
        const std::size_t count = size();
        for (std::size_t i = 0; i < count; ++i) {
            bigger[i] = std::move(buffer_[(head_ + i) & (buffer_.size() - 1)]);
        }
        buffer_ = std::move(bigger);
        head_ = 0;
        tail_ = count;
    }

    std::vector<T> buffer_;
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_RING_QUEUE_HPP
