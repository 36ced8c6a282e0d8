// cpp.exe: ordinary C++ on the default mingw runtime (g++ win32 thread model; libstdc++-6.dll
// and libgcc_s_dw2-1.dll imported dynamically, DWARF-2 unwinding): std::string, std::map,
// std::vector, iostream output, and an exception thrown four frames deep through frames whose
// local objects print from their destructors while the exception unwinds them. Exit code 3.
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
#include <algorithm>
#include <sstream>

namespace {

struct Tracer {
    std::string name;
    explicit Tracer(std::string n) : name(std::move(n)) { std::cout << "construct " << name << '\n'; }
    ~Tracer() { std::cout << "destroy " << name << '\n'; }
};

class ParseError : public std::runtime_error {
public:
    ParseError(const std::string &what, int where) : std::runtime_error(what), position(where) {}
    int position;
};

__attribute__((noinline)) int parse_digit(char c, int where)
{
    Tracer t("parse_digit frame");
    if (c < '0' || c > '9')
        throw ParseError(std::string("not a digit: '") + c + "'", where);
    return c - '0';
}

__attribute__((noinline)) int parse_number(const std::string &s)
{
    Tracer t("parse_number frame");
    int v = 0;
    for (size_t i = 0; i < s.size(); i++)
        v = v * 10 + parse_digit(s[i], static_cast<int>(i));
    return v;
}

__attribute__((noinline)) int sum_numbers(const std::vector<std::string> &items)
{
    Tracer t("sum_numbers frame");
    int total = 0;
    for (const auto &s : items) {
        total += parse_number(s);
        std::cout << "  parsed " << s << ", total " << total << '\n';
    }
    return total;
}

__attribute__((noinline)) int checked_sum(const std::vector<std::string> &items)
{
    Tracer t("checked_sum frame");
    try {
        return sum_numbers(items);
    } catch (const ParseError &e) {
        std::cout << "caught ParseError \"" << e.what() << "\" at position " << e.position << '\n';
        return -1;
    }
}

}  // namespace

int main()
{
    std::vector<std::string> words = {"pear", "apple", "fig", "banana", "apple", "cherry", "fig", "apple"};
    std::map<std::string, int> counts;
    for (const auto &w : words)
        counts[w]++;
    std::cout << "word counts:";
    for (const auto &kv : counts)
        std::cout << ' ' << kv.first << '=' << kv.second;
    std::cout << '\n';

    std::vector<int> v;
    for (int i = 0; i < 20; i++)
        v.push_back((i * 37) % 23);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::ostringstream os;
    for (int x : v)
        os << x << ',';
    std::string joined = os.str();
    joined.pop_back();
    std::cout << "unique sorted (" << v.size() << "): " << joined << '\n';

    std::string s = "The quick brown fox";
    std::string upper;
    for (char c : s)
        upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    std::cout << upper << " | find(\"brown\")=" << s.find("brown") << " substr=" << s.substr(4, 5)
              << " | " << std::hex << 48879 << std::dec << ' ' << 3.25 << '\n';

    std::cout << "good input: " << checked_sum({"12", "30", "0"}) << '\n';
    std::cout << "bad input: " << checked_sum({"7", "8x9", "1"}) << '\n';

    try {
        Tracer outer("main try block");
        std::vector<int> small(3);
        std::cout << "at(5) on a vector of 3\n";
        return small.at(5);
    } catch (const std::out_of_range &) {
        std::cout << "caught std::out_of_range\n";
    }
    std::cout << "cpp: done\n";
    return 3;
}
