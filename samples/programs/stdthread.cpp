// stdthread.exe: C++11 threads on mingw's posix thread model (g++-posix: std::thread,
// std::mutex, std::condition_variable over libwinpthread-1.dll; libstdc++-6.dll and
// libgcc_s_dw2-1.dll of the posix build). Deterministic: only totals are printed, after join.
//  - 4 std::threads add to a total under a std::mutex (std::lock_guard) and an std::atomic
//  - a producer/consumer pair over a bounded std::deque with two condition variables
//  - a turn-taking relay: 3 threads print nothing but append their id in strict round-robin
//    order under a condition variable
//  - std::async / std::future returning a value
// Exit code: 42 when every total matches.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main()
{
    int failures = 0;

    std::mutex m;
    long long total = 0;
    std::atomic<int> ticks{0};
    {
        std::vector<std::thread> ts;
        for (int id = 0; id < 4; id++)
            ts.emplace_back([&, id] {
                for (int i = 1; i <= 10000; i++) {
                    std::lock_guard<std::mutex> g(m);
                    total += static_cast<long long>(i) * (id + 1);
                    ticks.fetch_add(1, std::memory_order_relaxed);
                }
            });
        for (auto &t : ts)
            t.join();
    }
    std::cout << "mutex: total " << total << ", atomic " << ticks.load() << '\n';
    failures += total != 500050000LL || ticks.load() != 40000;

    std::deque<int> q;
    std::condition_variable not_empty, not_full;
    bool done = false;
    long long sum = 0;
    int items = 0;
    std::thread consumer([&] {
        std::unique_lock<std::mutex> lk(m);
        for (;;) {
            not_empty.wait(lk, [&] { return !q.empty() || done; });
            if (q.empty())
                break;
            sum += q.front();
            q.pop_front();
            items++;
            not_full.notify_one();
        }
    });
    std::thread producer([&] {
        for (int i = 1; i <= 3000; i++) {
            std::unique_lock<std::mutex> lk(m);
            not_full.wait(lk, [&] { return q.size() < 5; });
            q.push_back(i * 2);
            not_empty.notify_one();
        }
        std::lock_guard<std::mutex> g(m);
        done = true;
        not_empty.notify_all();
    });
    producer.join();
    consumer.join();
    std::cout << "condition_variable queue: " << items << " items, sum " << sum << '\n';
    failures += items != 3000 || sum != 9003000LL;

    std::string relay;
    int turn = 0;
    std::condition_variable turn_cv;
    {
        std::vector<std::thread> ts;
        for (int id = 0; id < 3; id++)
            ts.emplace_back([&, id] {
                for (int round = 0; round < 5; round++) {
                    std::unique_lock<std::mutex> lk(m);
                    turn_cv.wait(lk, [&] { return turn % 3 == id; });
                    relay += static_cast<char>('A' + id);
                    turn++;
                    turn_cv.notify_all();
                }
            });
        for (auto &t : ts)
            t.join();
    }
    std::cout << "relay: " << relay << '\n';
    failures += relay != "ABCABCABCABCABC";

    auto f = std::async(std::launch::async, [] {
        long long s = 0;
        for (int i = 1; i <= 1000; i++)
            s += static_cast<long long>(i) * i;
        return s;
    });
    long long squares = f.get();
    std::cout << "async: sum of squares 1..1000 = " << squares << '\n';
    failures += squares != 333833500LL;

    std::cout << "stdthread: " << failures << " failures\n";
    return failures ? 100 + failures : 42;
}
