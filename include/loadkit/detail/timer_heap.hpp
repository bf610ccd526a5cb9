// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_TIMER_HEAP_HPP
#define LOADKIT_DETAIL_TIMER_HEAP_HPP

#include <loadkit/executor.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

// A 4-ary min-heap of timer nodes ordered by (deadline, arming order). Each node knows its index,
// so cancellation is O(log n) and needs no search; the nodes themselves live in coroutine frames.
// A 4-ary heap touches fewer cache lines than a binary one at a million pending timers.
class timer_heap {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    bool empty() const noexcept { return nodes_.empty(); }
    std::size_t size() const noexcept { return nodes_.size(); }
    timer_node* top() const noexcept { return nodes_.front(); }

    void push(timer_node& node) {
        node.sequence = next_sequence_++;
        nodes_.push_back(&node);
        sift_up(nodes_.size() - 1);
    }

    timer_node* pop() noexcept {
        timer_node* first = nodes_.front();
        remove_at(0);
        return first;
    }

    void erase(timer_node& node) noexcept {
        if (node.heap_index != npos) {
            remove_at(node.heap_index);
        }
    }

private:
    static bool before(const timer_node* a, const timer_node* b) noexcept {
        return a->deadline < b->deadline || (a->deadline == b->deadline && a->sequence < b->sequence);
    }

    void place(std::size_t index, timer_node* node) noexcept {
        nodes_[index] = node;
        node->heap_index = index;
    }

    void remove_at(std::size_t index) noexcept {
        nodes_[index]->heap_index = npos;
        timer_node* last = nodes_.back();
        nodes_.pop_back();
        if (index < nodes_.size()) {
            place(index, last);
            if (index > 0 && before(last, nodes_[(index - 1) / 4])) {
                sift_up(index);
            } else {
                sift_down(index);
            }
        }
    }

    void sift_up(std::size_t index) noexcept {
        timer_node* node = nodes_[index];
        while (index > 0) {
            const std::size_t parent = (index - 1) / 4;
            if (!before(node, nodes_[parent])) {
                break;
            }
            place(index, nodes_[parent]);
            index = parent;
        }
        place(index, node);
    }

    void sift_down(std::size_t index) noexcept {
        timer_node* node = nodes_[index];
        const std::size_t count = nodes_.size();
        for (;;) {
            const std::size_t first_child = index * 4 + 1;
            if (first_child >= count) {
                break;
            }
            std::size_t best = first_child;
            const std::size_t last_child = first_child + 4 < count ? first_child + 4 : count;
            for (std::size_t child = first_child + 1; child < last_child; ++child) {
                if (before(nodes_[child], nodes_[best])) {
                    best = child;
                }
            }
            if (!before(nodes_[best], node)) {
                break;
            }
            place(index, nodes_[best]);
            index = best;
        }
        place(index, node);
    }

    std::vector<timer_node*> nodes_;
    std::uint64_t next_sequence_ = 0;
};

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_TIMER_HEAP_HPP
